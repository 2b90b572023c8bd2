import type { Redis } from 'ioredis';
import { createLogger } from '../core/logging';
import { RedisCacheStore } from '../sinks/redis/cache-store';
import { RedisKeys } from '../sinks/redis/keys';
import type { CacheEntry, Loaded } from './cache-entry';
import type { CacheStats } from './cache-stats';
import type { Invalidation } from '../processors/cache/invalidations';
import { L1Cache, type L1Outcome } from './l1-cache';
import {
  cacheInvalidationsApplied,
  cacheOriginLoads,
  cacheRefusedFills,
  cacheRequests,
  cacheStaleServes,
} from './metrics';

const log = createLogger('cache');

/** Loads a key from the source of truth; undefined when it does not exist there. */
export type Origin<V> = (key: string) => Promise<Loaded<V> | undefined>;

export interface ReadThroughCacheOptions<V> {
  /** Names the cache in metrics and logs. */
  name: string;
  redis: Redis;
  /** Key prefix of level 2 in Redis (default `reelstream`, as REDIS_KEY_PREFIX). */
  keyPrefix?: string;
  origin: Origin<V>;
  /** Entries level 1 holds at most (default 10,000). */
  maxEntries?: number;
  /** TTL of an entry the origin gives none, in ms (default 60 s). */
  defaultTtlMs?: number;
  /**
   * The TTL of an entry from what it was built from, before the default: e.g. the hotness hint of
   * its content (`hints.ttlFor(tags)`, cache/hotness-hints.ts). Undefined falls back to the default.
   */
  ttlFor?: (key: string, tags: readonly string[]) => number | undefined;
  /** Counts every read per minute for cache-efficiency analytics (cache/cache-stats.ts). */
  stats?: CacheStats;
}

/** The key does not exist at the origin. Nothing is cached for it. */
export class NotFoundError extends Error {
  constructor(readonly key: string) {
    super(`cache: ${key} does not exist at the origin`);
  }
}

/**
 * A read-through cache: level 1 in process (lru-cache: single flight per key, stale-while-
 * revalidate, stale served while the levels below fail), level 2 in Redis (shared by every instance),
 * then the origin. Every entry carries the version of its data; an invalidation (from the
 * cache.invalidation topic, through InvalidationListener) deletes older entries and refuses any
 * fill older than itself at both levels — the poisoning guard (docs/cache.md).
 */
export class ReadThroughCache<V> {
  private readonly l1: L1Cache<V>;
  private readonly l2: RedisCacheStore;
  private readonly name: string;
  private readonly defaultTtlMs: number;

  constructor(private readonly options: ReadThroughCacheOptions<V>) {
    this.name = options.name;
    this.defaultTtlMs = options.defaultTtlMs ?? 60_000;
    this.l2 = new RedisCacheStore(options.redis, new RedisKeys(options.keyPrefix));
    this.l1 = new L1Cache<V>({
      maxEntries: options.maxEntries ?? 10_000,
      defaultTtlMs: this.defaultTtlMs,
      load: (key, tags) => this.loadBelow(key, tags),
    });
  }

  /** The key's value, from the nearest level that holds a fresh one. Throws NotFoundError when the origin has none. */
  async get(key: string, tags: readonly string[] = []): Promise<V> {
    return (await this.getEntry(key, tags)).value;
  }

  /** The key's entry (value, version, tags) and how level 1 answered: hit, miss (loaded below), stale, inflight or refused. */
  async getEntry(key: string, tags: readonly string[] = []): Promise<CacheEntry<V> & { outcome: L1Outcome }> {
    const { entry, outcome } = await this.l1.get(key, tags);
    // A read that joined another's load in flight is a hit: it caused no load of its own.
    const result = outcome === 'inflight' ? 'hit' : outcome === 'refused' ? 'miss' : outcome;
    cacheRequests.inc({ cache: this.name, level: 'l1', result });
    const stats = this.options.stats;
    stats?.count('requests');
    if (result === 'hit' || result === 'stale') stats?.count('l1Hits');
    if (result === 'stale') stats?.count('staleServes');
    if (outcome === 'refused') stats?.count('refusedFills');
    if (outcome === 'stale') cacheStaleServes.inc({ cache: this.name, reason: 'revalidating' });
    if (outcome === 'refused') cacheRefusedFills.inc({ cache: this.name, level: 'l1' });
    return { ...entry, outcome };
  }

  /** Applies one invalidation to level 1 (level 2 is the cache-invalidation topology's). */
  invalidate(invalidation: Invalidation): number {
    const deleted = this.l1.invalidate(invalidation);
    cacheInvalidationsApplied.inc({ cache: this.name, level: 'l1' });
    return deleted;
  }

  /**
   * Preloads keys (warming): each is loaded through both levels as a read would be, but not counted
   * as a read — the hit rate measures the readers; the origin loads it causes are counted.
   */
  async warm(keys: readonly { key: string; tags?: readonly string[] }[]): Promise<number> {
    let warmed = 0;
    for (const { key, tags } of keys)
      await this.l1.get(key, tags ?? []).then(
        () => (warmed += 1),
        (error: unknown) => log.warn({ cache: this.name, key, err: error }, 'cache warming skipped a key'),
      );
    return warmed;
  }

  /** Level 1's entries (for the dashboard and tests). */
  get size(): number {
    return this.l1.size;
  }

  /**
   * Level 1's loader: level 2 unless an invalidation level 1 knows is above what it holds, else the
   * origin, whose answer is filled into level 2 under the guard. A Redis failure is logged and
   * skipped (the origin answers); an origin failure is thrown, and level 1 serves a stale value if
   * it has one.
   */
  private async loadBelow(key: string, tags: readonly string[]): Promise<Loaded<V>> {
    const { name } = this;
    const below = await this.l2.get(key).catch((error: unknown) => {
      log.warn({ cache: name, key, err: error }, 'cache level 2 unavailable; reading the origin');
      return undefined;
    });
    if (below && this.l1.marks.accepts(key, below.tags, below.version)) {
      cacheRequests.inc({ cache: name, level: 'l2', result: 'hit' });
      this.options.stats?.count('l2Hits');
      return { value: below.value as V, version: below.version, tags: below.tags, ttlMs: this.ttlOf(key, below.tags) };
    }
    cacheRequests.inc({ cache: name, level: 'l2', result: below ? 'stale' : 'miss' });
    let loaded: Loaded<V> | undefined;
    this.options.stats?.count('originLoads');
    try {
      loaded = await this.options.origin(key);
    } catch (error) {
      cacheOriginLoads.inc({ cache: name, outcome: 'failed' });
      if (this.l1.peek(key)) cacheStaleServes.inc({ cache: name, reason: 'origin-down' });
      throw error;
    }
    if (!loaded) {
      cacheOriginLoads.inc({ cache: name, outcome: 'missing' });
      throw new NotFoundError(key);
    }
    cacheOriginLoads.inc({ cache: name, outcome: 'loaded' });
    cacheRequests.inc({ cache: name, level: 'origin', result: 'hit' });
    const entry = { value: loaded.value, version: loaded.version, tags: [...new Set([...tags, ...loaded.tags])] };
    const ttlMs = loaded.ttlMs ?? this.ttlOf(key, entry.tags);
    const fill = await this.l2.fill(key, entry, ttlMs).catch((error: unknown) => {
      log.warn({ cache: name, key, err: error }, 'cache level 2 fill failed');
      return { stored: true, floor: entry.version };
    });
    if (!fill.stored) {
      cacheRefusedFills.inc({ cache: name, level: 'l2' });
      // Level 2 knows an invalidation above this version that level 1 has not seen yet: record it,
      // so level 1 refuses this fill too (it is served to this caller, never cached).
      this.l1.marks.record({ targetType: 'key', target: key, version: fill.floor });
    }
    return { ...entry, ttlMs };
  }

  private ttlOf(key: string, tags: readonly string[]): number {
    return this.options.ttlFor?.(key, tags) ?? this.defaultTtlMs;
  }
}
