import { LRUCache } from 'lru-cache';
import type { CacheEntry } from './cache-entry';
import { covers, type Invalidation } from '../processors/cache/invalidations';
import { InvalidationMarks } from './invalidation-marks';

export interface L1Options<V> {
  /** Entries held at most (least recently used go first). */
  maxEntries: number;
  /** Time to live of an entry without a TTL of its own, in ms. */
  defaultTtlMs: number;
  /**
   * Loads a missing or expired key from the levels below (L2, then the origin). lru-cache calls it
   * at most once per key at a time (single flight): concurrent gets of the key wait for that load.
   */
  load: (key: string, tags: readonly string[]) => Promise<CacheEntry<V> & { ttlMs?: number }>;
}

/** `refused`: loaded, but older than an invalidation already known — returned, never cached. */
export type L1Outcome = 'hit' | 'miss' | 'stale' | 'inflight' | 'refused';

/**
 * The in-process level, over lru-cache: single-flight loads through its fetchMethod, and an
 * expired entry served while it is reloaded (stale-while-revalidate) or while the levels below
 * fail (allowStaleOnFetchRejection). Invalidations delete every covered entry older than them —
 * memcache's rule, deletes not updates — and are remembered, so a load that started before the
 * invalidation cannot put its older value back (lru-cache aborts a fetch of a deleted key; the
 * mark also refuses one that read the old value and finished in between).
 */
export class L1Cache<V> {
  private readonly entries: LRUCache<string, CacheEntry<V>, readonly string[]>;
  readonly marks = new InvalidationMarks();
  /** Keys per content id, for `content_id` invalidations without a scan. */
  private readonly byTag = new Map<string, Set<string>>();
  refusedFills = 0;
  /** The last load of a key that stored nothing: refused as stale, or failed. */
  private readonly outcomes = new LRUCache<string, { refused?: CacheEntry<V>; failure?: unknown }>({ max: 1_000 });

  constructor(options: L1Options<V>) {
    this.entries = new LRUCache<string, CacheEntry<V>, readonly string[]>({
      max: options.maxEntries,
      ttl: options.defaultTtlMs,
      allowStale: true,
      allowStaleOnFetchRejection: true,
      noDeleteOnFetchRejection: true,
      fetchMethod: async (key, _stale, { context, options: fetchOptions }) => {
        let loaded;
        try {
          loaded = await options.load(key, context);
        } catch (error) {
          // lru-cache answers a failed load without a stale value with undefined: keep the reason.
          this.outcomes.set(key, { failure: error });
          throw error;
        }
        if (!this.marks.accepts(key, loaded.tags, loaded.version)) {
          this.refusedFills += 1;
          // Returning undefined stores nothing; every reader waiting on this load gets it from here.
          this.outcomes.set(key, { refused: { value: loaded.value, version: loaded.version, tags: loaded.tags } });
          return undefined;
        }
        if (loaded.ttlMs !== undefined) fetchOptions.ttl = loaded.ttlMs;
        this.index(key, loaded.tags);
        return { value: loaded.value, version: loaded.version, tags: loaded.tags };
      },
      dispose: (entry, key, reason) => {
        if (reason !== 'set') this.unindex(key, entry.tags);
      },
    });
  }

  /**
   * The key's value: from memory when held, else loaded once however many ask at the same time.
   * `outcome` says which; a stale value is returned while it is reloaded or when reloading fails.
   */
  async get(key: string, tags: readonly string[] = []): Promise<{ entry: CacheEntry<V>; outcome: L1Outcome }> {
    const status: LRUCache.Status<string, CacheEntry<V>, readonly string[]> = {};
    const entry = await this.entries.fetch(key, { context: tags, status });
    if (entry) {
      const outcome: L1Outcome = status.returnedStale
        ? 'stale'
        : status.fetch === 'hit'
          ? 'hit'
          : status.fetch === 'inflight'
            ? 'inflight'
            : 'miss';
      return { entry, outcome };
    }
    const last = this.outcomes.get(key);
    // A refused fill still answers its readers with what was loaded (the caller decides whether to
    // load again); it is only not cached. A failure with nothing stale to serve is thrown.
    if (last?.refused) return { entry: last.refused, outcome: 'refused' };
    throw last?.failure ?? new Error(`cache load of ${key} returned nothing`);
  }

  peek(key: string): CacheEntry<V> | undefined {
    return this.entries.peek(key, { allowStale: true });
  }

  /** Puts a value written by this process (a write-through), unless an invalidation above it is known. */
  set(key: string, entry: CacheEntry<V>, ttlMs?: number): boolean {
    const held = this.entries.peek(key, { allowStale: true });
    if (!this.marks.accepts(key, entry.tags, entry.version) || (held && held.version > entry.version)) {
      this.refusedFills += 1;
      return false;
    }
    this.index(key, entry.tags);
    this.entries.set(key, entry, ttlMs === undefined ? {} : { ttl: ttlMs });
    return true;
  }

  /** Applies an invalidation; returns how many entries it deleted. */
  invalidate(invalidation: Invalidation): number {
    this.marks.record(invalidation);
    let deleted = 0;
    for (const key of this.candidates(invalidation)) {
      const entry = this.entries.peek(key, { allowStale: true });
      // A load in flight has no entry yet: deleting aborts it (lru-cache), and the mark refuses a late one.
      if (entry && (entry.version >= invalidation.version || !covers(invalidation, key, entry.tags))) continue;
      if (this.entries.delete(key)) deleted += 1;
    }
    return deleted;
  }

  private candidates(invalidation: Invalidation): string[] {
    switch (invalidation.targetType) {
      case 'key':
        return [invalidation.target];
      case 'content_id':
        return [...(this.byTag.get(invalidation.target) ?? [])];
      case 'prefix':
        return [...this.entries.keys()].filter((key) => key.startsWith(invalidation.target));
    }
  }

  private index(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }
}
