import type { EntryKey, EntryLoggedValue } from '../../processors/api/entry-logged';
import type { KeyValueStore } from '../../processors/api/stores';
import { defaultKeyIdentity, type KeyIdentity } from './in-memory-key-value-store';

/**
 * One record for a store's compacted changelog topic: the latest value of a key, or null (deleted).
 * An entry-logged store writes deltas instead: `delta` is the delta's number within its key, and
 * `value` the entries it changed ([entry key, value or null when removed]) — or null, a delta
 * removed because its aggregate was.
 */
export interface ChangelogEntry<K = unknown, V = unknown> {
  store: string;
  key: K;
  delta?: number;
  value: V | EntryDelta | null;
}

/** What one commit changed in one aggregate: its changed entries, each with its value (null: removed). */
export type EntryDelta = [EntryKey, unknown][];

/** The deltas of one aggregate in the changelog: their numbers, and the next number to use. */
interface DeltaLog<K> {
  key: K;
  numbers: number[];
  next: number;
}

/**
 * Records every write as a pending changelog entry, keeping only the latest per key; the runtime
 * drains them at commit (step 2 of the commit protocol) and produces them to the changelog topic.
 *
 * With `entryLogged` (the store's aggregates log their own entries: processors/api/entry-logged.ts)
 * a drain writes one delta per changed aggregate, keyed (store key, delta number), holding only the
 * entries changed since the last commit: a commit costs what changed, in one record per aggregate,
 * however large the aggregate is. Deltas have keys of their own, so compaction keeps them all until
 * the aggregate is deleted; then each gets a tombstone. A restore applies an aggregate's deltas in
 * offset order (each entry's latest value wins), which rebuilds it exactly.
 */
export class ChangeloggingKeyValueStore<K, V> implements KeyValueStore<K, V> {
  private readonly pending = new Map<string, ChangelogEntry<K, V>>();
  /** Tombstones of deleted aggregates' deltas, logged before anything written after them. */
  private removed: ChangelogEntry<K, V>[] = [];
  private readonly deltaLogs = new Map<string, DeltaLog<K>>();

  constructor(
    private readonly inner: KeyValueStore<K, V>,
    private readonly idOf: KeyIdentity<K> = defaultKeyIdentity,
    private readonly entryLogged?: () => EntryLoggedValue,
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
    // Another aggregate replaces this key's (a write-back cache folds a delete and a put into one
    // put): the old one's deltas are removed first, or a restore would merge them into the new one.
    if (this.entryLogged) {
      const previous = this.inner.get(key);
      if (previous !== undefined && previous !== value) this.removeDeltas(key);
    }
    this.inner.put(key, value);
    this.pending.set(this.idOf(key), { store: this.name, key, value });
  }

  delete(key: K): void {
    if (this.entryLogged) {
      this.removeDeltas(key);
      this.pending.delete(this.idOf(key));
    } else {
      this.pending.set(this.idOf(key), { store: this.name, key, value: null });
    }
    this.inner.delete(key);
  }

  private removeDeltas(key: K): void {
    const log = this.deltaLogs.get(this.idOf(key));
    if (!log) return;
    for (const delta of log.numbers) this.removed.push({ store: this.name, key, delta, value: null });
    log.numbers = [];
  }

  entries(): IterableIterator<[K, V]> {
    return this.inner.entries();
  }

  /** The changes since the last drain, latest per key (one delta per changed aggregate, when entry-logged). */
  drainChangelog(): ChangelogEntry<K, V>[] {
    let entries: ChangelogEntry<K, V>[];
    if (this.entryLogged) {
      entries = this.removed;
      this.removed = [];
      for (const [id, { key, value }] of this.pending) {
        const changes: EntryDelta = [];
        for (const [entry, entryValue] of (value as EntryLoggedValue).takeChangedEntries())
          changes.push([entry, entryValue === undefined ? null : entryValue]);
        if (changes.length === 0) continue;
        const log = this.deltaLogOf(id, key);
        const delta = log.next;
        log.next += 1;
        log.numbers.push(delta);
        entries.push({ store: this.name, key, delta, value: changes });
      }
    } else {
      entries = [...this.pending.values()];
    }
    this.pending.clear();
    return entries;
  }

  private deltaLogOf(id: string, key: K): DeltaLog<K> {
    let log = this.deltaLogs.get(id);
    if (!log) this.deltaLogs.set(id, (log = { key, numbers: [], next: 0 }));
    return log;
  }

  /** Applies a changelog record during restore, without logging it again. */
  restore(key: K, value: V | null): void {
    if (value === null) this.inner.delete(key);
    else this.inner.put(key, value);
  }

  /** Applies one delta of an entry-logged aggregate during restore (null: the delta was removed). */
  restoreDelta(key: K, delta: number, changes: EntryDelta | null): void {
    const id = this.idOf(key);
    const log = this.deltaLogOf(id, key);
    if (changes === null) {
      log.numbers = log.numbers.filter((number) => number !== delta);
      // Every delta of an aggregate is removed together: the aggregate was deleted.
      if (log.numbers.length === 0) this.inner.delete(key);
      return;
    }
    log.numbers.push(delta);
    log.next = Math.max(log.next, delta + 1);
    let aggregate = this.inner.get(key) as EntryLoggedValue | undefined;
    if (aggregate === undefined) {
      if (!this.entryLogged) return;
      aggregate = this.entryLogged();
      this.inner.put(key, aggregate as V);
    }
    for (const [entry, value] of changes) aggregate.restoreEntry(entry, value === null ? undefined : value);
  }
}
