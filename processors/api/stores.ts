/**
 * State store interfaces the operators use. Implementations (in memory, decorated with metering,
 * caching and changelogging) live in runtime/state; operators only see these.
 */
export interface StateStore {
  readonly name: string;
}

export interface KeyValueStore<K, V> extends StateStore {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  delete(key: K): void;
  /** Every entry; order unspecified. */
  entries(): IterableIterator<[K, V]>;
  readonly size: number;
}

/** Aggregates per (key, window start). Window ends are known to the operator that owns the store. */
export interface WindowStore<K, V> extends StateStore {
  get(key: K, windowStart: number): V | undefined;
  put(key: K, windowStart: number, value: V): void;
  delete(key: K, windowStart: number): void;
  entries(): IterableIterator<[K, number, V]>;
  readonly size: number;
}
