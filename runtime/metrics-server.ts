import { createServer, type Server } from 'node:http';
import { metricsRegistry } from './metrics';

/** Serves the metrics registry in the Prometheus text format at /metrics. */
export function startMetricsServer(port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metricsRegistry
      .metrics()
      .then((text) => response.writeHead(200, { 'Content-Type': metricsRegistry.contentType }).end(text))
      .catch((error: Error) => response.writeHead(500).end(error.message));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
