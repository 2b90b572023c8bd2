import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { metricsRegistry } from './metrics';

/**
 * Serves metrics in the Prometheus text format at /metrics: the process's registry, or what
 * `registry` gives at each scrape (the sum over the stream threads of `run --threads N`).
 */
export function startMetricsServer(
  port: number,
  host = '127.0.0.1',
  registry: () => Promise<Registry> = async () => metricsRegistry,
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry()
      .then(async (source) => {
        const text = await source.metrics();
        response.writeHead(200, { 'Content-Type': source.contentType }).end(text);
      })
      .catch((error: Error) => response.writeHead(500).end(error.message));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
