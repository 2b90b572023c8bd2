import { createServer, type ServerResponse, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { metricsRegistry } from './metrics';

/** A stream thread whose loop has not turned (nor retried a wait) for this long is not alive. */
export const HEALTHZ_MAX_SILENCE_SECONDS = 60;

/**
 * Serves, for Prometheus and for an orchestrator's probes:
 * - /metrics: the process's registry in the Prometheus text format, or what `registry` gives at each
 *   scrape (the sum over the stream threads of `run --threads N`);
 * - /healthz (liveness): 200 while every application's stream thread turns its loop or retries a
 *   wait for a service (`reelstream_thread_heartbeat_timestamp_seconds` within the last 60 s), 503
 *   when one is stuck — a restart helps then, and not while a sink is merely down;
 * - /readyz (readiness; /ready is the same): 200 while every application serves — global tables
 *   bootstrapped, every task of its assignment restored (`reelstream_application_ready`), every sink
 *   acknowledging (`reelstream_sink_failing_seconds` 0) — and 503 otherwise, with the reason.
 */
export function startMetricsServer(
  port: number,
  host = '127.0.0.1',
  registry: () => Promise<Registry> = async () => metricsRegistry,
): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const answer = (check: (source: Registry) => Promise<string[]>) =>
      registry()
        .then(async (source) => reply(response, await check(source)))
        .catch((error: Error) => response.writeHead(500).end(error.message));
    if (path === '/readyz' || path === '/ready') void answer(notReady);
    else if (path === '/healthz') void answer(notAlive);
    else if (path === '/metrics')
      registry()
        .then(async (source) => {
          const text = await source.metrics();
          response.writeHead(200, { 'Content-Type': source.contentType }).end(text);
        })
        .catch((error: Error) => response.writeHead(500).end(error.message));
    else response.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

function reply(response: ServerResponse, problems: string[]): void {
  response
    .writeHead(problems.length === 0 ? 200 : 503, { 'Content-Type': 'text/plain' })
    .end(problems.length === 0 ? 'ok\n' : `${problems.join('\n')}\n`);
}

async function samples(source: Registry, name: string) {
  return (await source.getSingleMetric(name)?.get())?.values ?? [];
}

/** Why the process does not serve yet (or any more); none when ready. */
async function notReady(source: Registry): Promise<string[]> {
  const ready = await samples(source, 'reelstream_application_ready');
  if (ready.length === 0) return ['no application started yet'];
  const problems = ready
    .filter(({ value }) => value < 1)
    .map(({ labels }) => `${String(labels.application)}: restoring its tasks or not started`);
  for (const { labels, value } of await samples(source, 'reelstream_sink_failing_seconds'))
    if (value > 0)
      problems.push(`${String(labels.application)}: sink ${String(labels.sink)} failing for ${value.toFixed(0)} s`);
  return problems;
}

/** Which application's stream thread has stopped turning; none when alive. */
async function notAlive(source: Registry): Promise<string[]> {
  const now = Date.now() / 1000;
  return (await samples(source, 'reelstream_thread_heartbeat_timestamp_seconds'))
    .filter(({ value }) => now - value > HEALTHZ_MAX_SILENCE_SECONDS)
    .map(
      ({ labels, value }) => `${String(labels.application)}: stream thread silent for ${(now - value).toFixed(0)} s`,
    );
}
