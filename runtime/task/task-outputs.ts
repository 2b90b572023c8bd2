import type { StreamRecord } from '../../processors/api/record';
import type { SinkDescriptor } from '../topology/sink-descriptor';

/** Why a record left the normal flow; DLQ headers carry it as `reelstream.error.reason`. */
export interface DeadLetter {
  kind: 'late' | 'error' | 'future-event-time';
  node: string;
  reason: string;
  record: StreamRecord;
  error?: Error;
}

/**
 * Where a task's results go. The test driver collects them in memory; the Kafka runtime produces to
 * topics, hands batches to sink adapters and writes dead letters to `<application>.dlq`.
 */
export interface TaskOutputs {
  toTopic(topic: string, record: StreamRecord, node: string): void;
  toSink(sink: SinkDescriptor, record: StreamRecord, node: string): void;
  deadLetter(letter: DeadLetter): void;
}

/** Per-task counters, exported as metrics by the runtime. Every record that is not forwarded is counted. */
export interface TaskMetrics {
  recordsIn: number;
  late: number;
  deadLettered: number;
  /** Dropped on purpose, by node, then reason (stale table update, null key, no matching branch). */
  dropped: Map<string, Map<string, number>>;
  punctuationErrors: number;
}
