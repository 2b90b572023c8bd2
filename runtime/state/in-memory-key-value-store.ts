import type { KeyValueStore } from '../../processors/api/stores';

/**
 * The innermost store: a Map. String keys (the common case) are used as they are; other keys by
 * their JSON, with the original key kept beside the value so `entries()` returns it.
 */
export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly map = new Map<string, [K, V]>();

  constructor(readonly name: string) {}

  static idOf(key: unknown): string {
    return typeof key === 'string' ? key : `~${JSON.stringify(key)}`;
  }

  get(key: K): V | undefined {
    return this.map.get(InMemoryKeyValueStore.idOf(key))?.[1];
  }

  put(key: K, value: V): void {
    this.map.set(InMemoryKeyValueStore.idOf(key), [key, value]);
  }

  delete(key: K): void {
    this.map.delete(InMemoryKeyValueStore.idOf(key));
  }

  *entries(): IterableIterator<[K, V]> {
    for (const entry of this.map.values()) yield entry;
  }

  get size(): number {
    return this.map.size;
  }
}
