import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { metricsRegistry } from './metrics';

/**
 * Serves metrics in the Prometheus text format at /metrics: the process's registry, or what
 * `registry` gives at each scrape (the sum over the stream threads of `run --threads N`). /ready
 * answers 200 once every application in it is ready (`reelstream_application_ready`: global tables
 * bootstrapped, stream thread started) and 503 before — for a load balancer or an orchestrator.
 */
export function startMetricsServer(
  port: number,
  host = '127.0.0.1',
  registry: () => Promise<Registry> = async () => metricsRegistry,
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/ready') {
      registry()
        .then(async (source) => {
          const values = (await source.getSingleMetric('reelstream_application_ready')?.get())?.values ?? [];
          const ready = values.length > 0 && values.every((sample) => sample.value >= 1);
          response
            .writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' })
            .end(ready ? 'ready\n' : 'not ready\n');
        })
        .catch((error: Error) => response.writeHead(500).end(error.message));
      return;
    }
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
