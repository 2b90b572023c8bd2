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
 * A record the sink cannot take, whatever the retries (a key part it refuses, a value too large):
 * the runtime sends it to the DLQ with the error and its coordinates, and the pipeline goes on.
 */
export type RefuseRecord<K = unknown, V = unknown> = (record: StreamRecord<K, V>, error: Error) => void;

/**
 * What sink adapters (sinks/redis, sinks/clickhouse, ...) implement — the sink contract, checked for
 * every sink by test/integration/sink-contract.test.ts:
 * - `write` is called synchronously from the processing loop with the records a batch produced. It
 *   never throws for a record: one it cannot take goes to `refuse`.
 * - `flush` resolves only once the service acknowledged everything written so far (step 1 of the
 *   commit protocol). While the service is down it rejects with a retriable error — every call
 *   re-sends what is unacknowledged, so a retry needs no new input to make progress.
 * - `discard` drops what was written but not flushed: its transaction aborted and replay writes it again.
 * - `close` waits for what is in flight and never drops written data silently: what it cannot send
 *   makes it reject, naming how much is left.
 */
export interface Sink<K = unknown, V = unknown> {
  readonly name: string;
  write(batch: readonly StreamRecord<K, V>[], refuse: RefuseRecord<K, V>): void;
  flush(): Promise<void>;
  discard(): void;
  load(): SinkLoad;
  close(): Promise<void>;
  /**
   * True once after the service lost what this sink wrote earlier (Redis restarted empty): the
   * runtime then asks every task to send the current result of everything still open again.
   */
  takeDataLoss?(): boolean;
  /**
   * A cheap check, while nothing is written, that the service still holds what was written before
   * (it sets what takeDataLoss reports). Rejects when the service is down; the runtime ignores that.
   */
  probe?(): Promise<void>;
}

export function isSinkDescriptor(value: unknown): value is SinkDescriptor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SinkDescriptor).type === 'string' &&
    typeof (value as SinkDescriptor).name === 'string'
  );
}
