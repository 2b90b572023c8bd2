import { Counter, Gauge, Histogram, Registry } from 'prom-client';

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

export const recordsProcessed = new Counter({
  name: 'reelstream_records_processed_total',
  help: 'Records taken through the topology, by application and source topic',
  labelNames: ['application', 'topic'] as const,
  registers: [metricsRegistry],
});

export const deadLetters = new Counter({
  name: 'reelstream_dead_letters_total',
  help: 'Records sent to the DLQ, by application and kind (late, processing-error, decode reason)',
  labelNames: ['application', 'kind'] as const,
  registers: [metricsRegistry],
});

export const commitDuration = new Histogram({
  name: 'reelstream_commit_duration_seconds',
  help: 'Time to commit: changelog entries, consumed offsets and the transaction commit',
  labelNames: ['application'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const restoredRecords = new Counter({
  name: 'reelstream_restored_records_total',
  help: 'Changelog records applied while restoring stores, by application and store',
  labelNames: ['application', 'store'] as const,
  registers: [metricsRegistry],
});

export const activeTasks = new Gauge({
  name: 'reelstream_active_tasks',
  help: 'Tasks this instance runs now',
  labelNames: ['application'] as const,
  registers: [metricsRegistry],
});
