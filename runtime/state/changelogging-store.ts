import type { KeyValueStore } from '../../processors/api/stores';
import { defaultKeyIdentity, type KeyIdentity } from './in-memory-key-value-store';

/** One entry for a store's compacted changelog topic: the latest value of a key, or null (deleted). */
export interface ChangelogEntry<K = unknown, V = unknown> {
  store: string;
  key: K;
  value: V | null;
}

/**
 * Records every write as a pending changelog entry, keeping only the latest per key; the runtime
 * drains them at commit (step 2 of the commit protocol) and produces them to the changelog topic.
 */
export class ChangeloggingKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly pending = new Map<string, ChangelogEntry<K, V>>();

  constructor(
    private readonly inner: KeyValueStore<K, V>,
    private readonly idOf: KeyIdentity<K> = defaultKeyIdentity,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get size(): number {
    return this.inner.size;
  }

  get(key: K): V | undefined {
    return this.inner.get(key);
  }

  put(key: K, value: V): void {
    this.inner.put(key, value);
    this.pending.set(this.idOf(key), { store: this.name, key, value });
  }

  delete(key: K): void {
    this.inner.delete(key);
    this.pending.set(this.idOf(key), { store: this.name, key, value: null });
  }

  entries(): IterableIterator<[K, V]> {
    return this.inner.entries();
  }

  /** The changes since the last drain, latest per key. */
  drainChangelog(): ChangelogEntry<K, V>[] {
    const entries = [...this.pending.values()];
    this.pending.clear();
    return entries;
  }

  /** Applies a changelog entry during restore, without logging it again. */
  restore(key: K, value: V | null): void {
    if (value === null) this.inner.delete(key);
    else this.inner.put(key, value);
  }
}
