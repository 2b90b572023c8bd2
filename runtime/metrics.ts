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

export const restoredStoreEntries = new Gauge({
  name: 'reelstream_restored_store_entries',
  help: 'Entries the stores held after the last restore (beside reelstream_restored_records_total: an on-disk store resumed from its checkpoint holds far more than was read)',
  labelNames: ['application', 'store'] as const,
  registers: [metricsRegistry],
});

export const activeTasks = new Gauge({
  name: 'reelstream_active_tasks',
  help: 'Tasks this instance runs now',
  labelNames: ['application'] as const,
  registers: [metricsRegistry],
});

export const recordsProduced = new Counter({
  name: 'reelstream_records_produced_total',
  help: 'Records written to output and repartition topics, by application and topic',
  labelNames: ['application', 'topic'] as const,
  registers: [metricsRegistry],
});

export const batchProcessingDuration = new Histogram({
  name: 'reelstream_batch_processing_duration_seconds',
  help: 'Time to take one fetched batch through the topology (decode, process, hand to sinks)',
  labelNames: ['application'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  registers: [metricsRegistry],
});

export const droppedRecords = new Counter({
  name: 'reelstream_dropped_records_total',
  help: 'Records an operator dropped on purpose (stale table update, null key, no matching branch), by node and reason',
  labelNames: ['application', 'node', 'reason'] as const,
  registers: [metricsRegistry],
});

export const consumerLag = new Gauge({
  name: 'reelstream_consumer_lag',
  help: 'Records between the last processed offset and the end of the partition, per assigned partition',
  labelNames: ['application', 'topic', 'partition'] as const,
  registers: [metricsRegistry],
});

export const pausedPartitions = new Gauge({
  name: 'reelstream_paused_partitions',
  help: 'Partitions paused by backpressure now',
  labelNames: ['application'] as const,
  registers: [metricsRegistry],
});

export const backpressurePauseLatency = new Histogram({
  name: 'reelstream_backpressure_pause_latency_seconds',
  help: 'Time from sink load crossing a high-water mark to the decision to pause its partitions (see reelstream_backpressure_response_seconds for when records stop)',
  labelNames: ['application'] as const,
  buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
  registers: [metricsRegistry],
});

export const backpressureResponse = new Histogram({
  name: 'reelstream_backpressure_response_seconds',
  help: 'Time from sink load crossing a high-water mark to the last fetch that still delivered a record of a partition paused for it (runtime/flow/pause-response.ts)',
  labelNames: ['application'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  registers: [metricsRegistry],
});

export const sinkFlushDuration = new Histogram({
  name: 'reelstream_sink_flush_duration_seconds',
  help: 'Time for a sink to flush and be acknowledged (commit step 1), by sink',
  labelNames: ['application', 'sink'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const sinkFailingSeconds = new Gauge({
  name: 'reelstream_sink_failing_seconds',
  help: 'How long a sink has been failing to acknowledge its writes (0 when healthy); the commit waits meanwhile',
  labelNames: ['application', 'sink'] as const,
  registers: [metricsRegistry],
});

export const sinkFlushFailures = new Counter({
  name: 'reelstream_sink_flush_failures_total',
  help: 'Failed sink flush attempts (each retried with backoff), by sink',
  labelNames: ['application', 'sink'] as const,
  registers: [metricsRegistry],
});

export const sinkDataLosses = new Counter({
  name: 'reelstream_sink_data_losses_total',
  help: 'Times a sink found the service had lost what it wrote (Redis restarted empty) and open results were written again',
  labelNames: ['application', 'sink'] as const,
  registers: [metricsRegistry],
});

export const eventTimePausedPartitions = new Gauge({
  name: 'reelstream_event_time_paused_partitions',
  help: 'Source partitions paused because their event time ran ahead of the slowest partition (event-time alignment)',
  labelNames: ['application'] as const,
  registers: [metricsRegistry],
});

export const applicationReady = new Gauge({
  name: 'reelstream_application_ready',
  help: '1 while the application serves: its global tables bootstrapped and every task of its assignment restored; 0 before, during a restore (a rebalance) and after (the minimum over stream threads)',
  labelNames: ['application'] as const,
  aggregator: 'min',
  registers: [metricsRegistry],
});

export const globalTableRecords = new Counter({
  name: 'reelstream_global_table_records_total',
  help: 'Records of a global table source topic applied to the table (bootstrap and afterwards), by application and topic',
  labelNames: ['application', 'topic'] as const,
  registers: [metricsRegistry],
});

export const globalTableSkipped = new Counter({
  name: 'reelstream_global_table_skipped_total',
  help: 'Records of a global table source topic that were not applied (undecodable, or a processor refused them), by application, topic and reason',
  labelNames: ['application', 'topic', 'reason'] as const,
  registers: [metricsRegistry],
});

export const globalTablePropagation = new Histogram({
  name: 'reelstream_global_table_propagation_seconds',
  help: "From a global table record's Kafka timestamp to its application in this instance's table (after bootstrap), by application and topic",
  labelNames: ['application', 'topic'] as const,
  // Fine between 0.1 and 1 s, where the 500 ms goal for catalog propagation sits.
  buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export const globalTableEntries = new Gauge({
  name: 'reelstream_global_table_entries',
  help: 'Entries a global table holds in this stream thread, by application and store',
  labelNames: ['application', 'store'] as const,
  aggregator: 'max',
  registers: [metricsRegistry],
});

export const commitEventAge = new Histogram({
  name: 'reelstream_commit_event_age_seconds',
  help: 'At the end of each commit, wall clock minus the event time of the newest record the commit made visible in the sinks and output topics',
  labelNames: ['application'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  registers: [metricsRegistry],
});

export const overloadPressure = new Gauge({
  name: 'reelstream_overload_pressure',
  help: 'The largest watched signal (event-time lag, commit event age, sink fill) over its limit; 1 = at the limit',
  labelNames: ['application'] as const,
  registers: [metricsRegistry],
});

export const sampleRate = new Gauge({
  name: 'reelstream_sample_rate',
  help: "A lane's rate under overload control: sample = share of its viewers whose heartbeats are kept, keep = share of its viewers kept at all",
  labelNames: ['application', 'lane', 'rate'] as const,
  registers: [metricsRegistry],
});

export const degradationState = new Gauge({
  name: 'reelstream_degradation_state',
  help: 'Overload state: 0 normal, 1 sampling, 2 shedding, 3 lagging (behind its limits with nothing left to sample or shed)',
  labelNames: ['application'] as const,
  registers: [metricsRegistry],
});

export const degradationTransitions = new Counter({
  name: 'reelstream_degradation_transitions_total',
  help: 'Changes of the overload state, by application, from and to',
  labelNames: ['application', 'from', 'to'] as const,
  registers: [metricsRegistry],
});

export const backgroundYieldSeconds = new Counter({
  name: 'reelstream_background_yield_seconds_total',
  help: 'Time a background application (the historical path) waited so that a realtime application of its process, behind its overload limits, could catch up',
  labelNames: ['application'] as const,
  registers: [metricsRegistry],
});

export const threadHeartbeat = new Gauge({
  name: 'reelstream_thread_heartbeat_timestamp_seconds',
  help: "When the application's stream thread last turned its loop or retried a wait (Unix seconds); /healthz fails when it is old (the oldest over stream threads)",
  labelNames: ['application'] as const,
  aggregator: 'min',
  registers: [metricsRegistry],
});

export const eventTimeLag = new Gauge({
  name: 'reelstream_event_time_lag_seconds',
  help: 'Wall clock minus the newest event time the application processed; 0 once it has caught up (sources whose event times trail live by design excluded)',
  labelNames: ['application'] as const,
  aggregator: 'max',
  registers: [metricsRegistry],
});
