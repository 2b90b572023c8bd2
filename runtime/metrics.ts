import { Counter, Registry } from 'prom-client';

/**
 * The process's metrics registry (prom-client). Components register their metrics here; the
 * runtime exposes it over HTTP. One registry, so tests can read values without global state leaks.
 */
export const metricsRegistry = new Registry();

export const decodeFailures = new Counter({
  name: 'reelstream_decode_failures_total',
  help: 'Records that could not be decoded and went to the DLQ, by topic and reason',
  labelNames: ['topic', 'reason'] as const,
  registers: [metricsRegistry],
});
