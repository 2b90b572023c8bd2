/**
 * A record as it flows through a topology. Event time (`timestamp`) comes from the event via the
 * source's extractor; `source` says where the record was read (for DLQ headers and dedup identities).
 */
export interface StreamRecord<K = unknown, V = unknown> {
  readonly key: K;
  readonly value: V;
  /** Event time, epoch milliseconds. */
  readonly timestamp: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly source?: RecordSource;
}

export interface RecordSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** The key of a windowed aggregate: the grouping key and the window it covers [start, end). */
export interface Windowed<K> {
  readonly key: K;
  readonly start: number;
  readonly end: number;
}

/** Whether an aggregate record is an intermediate update (dashboards) or the final result (rollups). */
export type EmitKind = 'update' | 'final';

/** The value a windowed aggregation forwards. */
export interface WindowResult<A> {
  readonly aggregate: A;
  readonly emit: EmitKind;
}

/** A table update: the new value (null = deleted) and the one it replaced. */
export interface Change<V> {
  readonly newValue: V | null;
  readonly oldValue: V | null;
}

export function withValue<K, V, V2>(record: StreamRecord<K, V>, value: V2): StreamRecord<K, V2> {
  return { ...record, value } as StreamRecord<K, V2>;
}

export function withKeyValue<K, V, K2, V2>(record: StreamRecord<K, V>, key: K2, value: V2): StreamRecord<K2, V2> {
  return { ...record, key, value } as StreamRecord<K2, V2>;
}
