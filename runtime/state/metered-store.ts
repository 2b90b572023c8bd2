import type { KeyValueStore } from '../../processors/api/stores';

/** Operation counts of one store; the runtime exports them as metrics. */
export interface StoreMetrics {
  gets: number;
  puts: number;
  deletes: number;
}

/** The outermost decorator: counts operations (cheap counters; the hot path stays synchronous). */
export class MeteredKeyValueStore<K, V> implements KeyValueStore<K, V> {
  readonly metrics: StoreMetrics = { gets: 0, puts: 0, deletes: 0 };

  constructor(private readonly inner: KeyValueStore<K, V>) {}

  get name(): string {
    return this.inner.name;
  }

  get size(): number {
    return this.inner.size;
  }

  get(key: K): V | undefined {
    this.metrics.gets += 1;
    return this.inner.get(key);
  }

  put(key: K, value: V): void {
    this.metrics.puts += 1;
    this.inner.put(key, value);
  }

  delete(key: K): void {
    this.metrics.deletes += 1;
    this.inner.delete(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.inner.entries();
  }
}
