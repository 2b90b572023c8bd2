import { open, type RootDatabase } from 'lmdb';
import type { KeyValueStore } from '../../processors/api/stores';
import { defaultKeyIdentity, type KeyIdentity } from './in-memory-key-value-store';

/**
 * The persistent store: LMDB (memory-mapped B+tree, through the `lmdb` package) in the task's state
 * directory. State lives on disk and in the page cache, not on the V8 heap, so a process's memory
 * is bounded by what it touches, not by what it holds; and a restart after a clean stop reads only
 * the changelog written since (see store-checkpoint.ts) instead of the whole changelog.
 *
 * Writes are buffered in memory until `flushWrites()` — the commit, after the write-back cache
 * flushed — and then written in one LMDB transaction: one disk sync per commit, not per key. Each
 * record holds the original key beside the value (keys are stored by their identity string).
 */
export class LmdbKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly writes = new Map<string, [K, V] | undefined>();

  private constructor(
    readonly name: string,
    private readonly db: RootDatabase<[K, V], string>,
    private readonly idOf: KeyIdentity<K>,
  ) {}

  /** Opens (creating if needed) the store at `path`. */
  static open<K, V>(name: string, path: string, idOf: KeyIdentity<K> = defaultKeyIdentity): LmdbKeyValueStore<K, V> {
    // No compression (values are small MessagePack), no per-write sync: the changelog is the durable copy.
    const db = open<[K, V], string>({ path, compression: false, noSync: true });
    return new LmdbKeyValueStore(name, db, idOf);
  }

  get(key: K): V | undefined {
    const id = this.idOf(key);
    if (this.writes.has(id)) return this.writes.get(id)?.[1];
    return this.db.get(id)?.[1];
  }

  put(key: K, value: V): void {
    this.writes.set(this.idOf(key), [key, value]);
  }

  delete(key: K): void {
    this.writes.set(this.idOf(key), undefined);
  }

  *entries(): IterableIterator<[K, V]> {
    this.flushWrites();
    for (const { value } of this.db.getRange()) yield value;
  }

  get size(): number {
    this.flushWrites();
    return this.db.getCount();
  }

  /** Writes what was put or deleted since the last call, in one LMDB transaction. */
  flushWrites(): void {
    if (this.writes.size === 0) return;
    this.db.transactionSync(() => {
      for (const [id, entry] of this.writes) {
        if (entry) void this.db.put(id, entry);
        else void this.db.remove(id);
      }
    });
    this.writes.clear();
  }

  /** Empties the store (its content cannot be trusted: restored from the whole changelog next). */
  clear(): void {
    this.writes.clear();
    this.db.clearSync();
  }

  async close(): Promise<void> {
    this.writes.clear();
    await this.db.close();
  }
}
