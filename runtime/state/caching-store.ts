import type { KeyValueStore } from '../../processors/api/stores';
import { defaultKeyIdentity, type KeyIdentity } from './in-memory-key-value-store';

const DELETED = Symbol('deleted');

/**
 * A write-back cache in front of the changelogging store: writes stay here until `flush()` (at
 * commit), so a key updated a thousand times between commits reaches the changelog once.
 */
export class CachingKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly dirty = new Map<string, [K, V | typeof DELETED]>();

  constructor(
    private readonly inner: KeyValueStore<K, V>,
    private readonly idOf: KeyIdentity<K> = defaultKeyIdentity,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get(key: K): V | undefined {
    const cached = this.dirty.get(this.idOf(key));
    if (cached) return cached[1] === DELETED ? undefined : cached[1];
    return this.inner.get(key);
  }

  put(key: K, value: V): void {
    this.dirty.set(this.idOf(key), [key, value]);
  }

  delete(key: K): void {
    this.dirty.set(this.idOf(key), [key, DELETED]);
  }

  *entries(): IterableIterator<[K, V]> {
    for (const [id, [key, value]] of this.dirty) if (value !== DELETED && id !== undefined) yield [key, value];
    for (const [key, value] of this.inner.entries()) {
      if (!this.dirty.has(this.idOf(key))) yield [key, value];
    }
  }

  get size(): number {
    let size = this.inner.size;
    for (const [key, value] of this.dirty.values()) {
      const inInner = this.inner.get(key) !== undefined;
      if (value === DELETED && inInner) size -= 1;
      else if (value !== DELETED && !inInner) size += 1;
    }
    return size;
  }

  /** Writes the latest value of each dirty key through to the inner store. */
  flush(): void {
    for (const [key, value] of this.dirty.values()) {
      if (value === DELETED) this.inner.delete(key);
      else this.inner.put(key, value);
    }
    this.dirty.clear();
  }
}
