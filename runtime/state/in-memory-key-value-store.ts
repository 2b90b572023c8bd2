import type { KeyValueStore } from '../../processors/api/stores';

/**
 * The innermost store: a Map. String keys (the common case) are used as they are; other keys by
 * their JSON, with the original key kept beside the value so `entries()` returns it.
 */
export type KeyIdentity<K> = (key: K) => string;

/** String keys as they are; any other key by its JSON (prefixed, so it never collides with a string key). */
export function defaultKeyIdentity(key: unknown): string {
  return typeof key === 'string' ? key : `~${JSON.stringify(key)}`;
}

export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly map = new Map<string, [K, V]>();

  constructor(
    readonly name: string,
    private readonly idOf: KeyIdentity<K> = defaultKeyIdentity,
  ) {}

  get(key: K): V | undefined {
    return this.map.get(this.idOf(key))?.[1];
  }

  put(key: K, value: V): void {
    this.map.set(this.idOf(key), [key, value]);
  }

  delete(key: K): void {
    this.map.delete(this.idOf(key));
  }

  *entries(): IterableIterator<[K, V]> {
    for (const entry of this.map.values()) yield entry;
  }

  get size(): number {
    return this.map.size;
  }
}
