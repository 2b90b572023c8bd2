import type { StreamRecord } from '../../processors/api/record';

/**
 * A sink adapter as a topology names it: data, not a client. `redisWindows('content-minute')` in a
 * topology yields one of these; the runtime resolves `type` to a factory from sinks/ when it runs,
 * so topologies stay pure and the test driver can record what a sink would have written.
 */
export interface SinkDescriptor {
  readonly type: string;
  readonly name: string;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** How much a sink holds that is not yet acknowledged; backpressure pauses above a high-water mark. */
export interface SinkLoad {
  readonly records: number;
  readonly bytes: number;
}

/**
 * What sink adapters (sinks/redis, sinks/clickhouse, ...) implement. `write` is called synchronously
 * from the processing loop with the records a batch produced; `flush` does the I/O and resolves once
 * the service acknowledged everything written so far (step 1 of the commit protocol).
 */
export interface Sink<K = unknown, V = unknown> {
  readonly name: string;
  write(batch: readonly StreamRecord<K, V>[]): void;
  flush(): Promise<void>;
  /** Drop what was written but not flushed: its transaction aborted and replay will write it again. */
  discard(): void;
  load(): SinkLoad;
  close(): Promise<void>;
}

export function isSinkDescriptor(value: unknown): value is SinkDescriptor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SinkDescriptor).type === 'string' &&
    typeof (value as SinkDescriptor).name === 'string'
  );
}
