import type { KeyValueStore, WindowStore } from '../../processors/api/stores';

/** The key a window store keeps in its key-value store (and in its changelog): the key and the window start. */
export interface WindowKey<K> {
  key: K;
  start: number;
}

/** The identity of a window key: cheap string concatenation, not JSON, on the hot path. */
export function windowKeyIdentity(windowKey: WindowKey<unknown>): string {
  const key = windowKey.key;
  return `${typeof key === 'string' ? key : `~${JSON.stringify(key)}`}@${windowKey.start}`;
}

/**
 * A window store over a (decorated) key-value store keyed by {key, start}, so caching, changelogging
 * and metering are written once, for key-value stores, and windows get them for free.
 */
export class KeyValueBackedWindowStore<K, V> implements WindowStore<K, V> {
  constructor(private readonly inner: KeyValueStore<WindowKey<K>, V>) {}

  get name(): string {
    return this.inner.name;
  }

  get size(): number {
    return this.inner.size;
  }

  get(key: K, windowStart: number): V | undefined {
    return this.inner.get({ key, start: windowStart });
  }

  put(key: K, windowStart: number, value: V): void {
    this.inner.put({ key, start: windowStart }, value);
  }

  delete(key: K, windowStart: number): void {
    this.inner.delete({ key, start: windowStart });
  }

  *entries(): IterableIterator<[K, number, V]> {
    for (const [{ key, start }, value] of this.inner.entries()) yield [key, start, value];
  }
}
