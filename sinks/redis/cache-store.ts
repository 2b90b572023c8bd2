import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { ServiceUnavailableError } from '../../core/errors';
import { metricsRegistry } from '../../runtime/metrics';
import type { RedisKeys } from './keys';

const CACHE_FILL = readFileSync(join(__dirname, 'lua', 'cache-fill.lua'), 'utf8');
const CACHE_INVALIDATE = readFileSync(join(__dirname, 'lua', 'cache-invalidate.lua'), 'utf8');

export const cacheInvalidationsApplied = new Counter({
  name: 'reelstream_cache_invalidations_applied_total',
  help: 'Invalidations applied, by level (l1 in each process, l2 by the cache-invalidation topology)',
  labelNames: ['cache', 'level'] as const,
  registers: [metricsRegistry],
});

export const cacheInvalidationsReceived = new Counter({
  name: 'reelstream_cache_invalidations_received_total',
  help: 'Invalidations read from the topic before coalescing, by level: received / applied is the coalescing ratio',
  labelNames: ['cache', 'level'] as const,
  registers: [metricsRegistry],
});

/**
 * How long a level-2 invalidation mark lives after it was last raised (lua/cache-invalidate.lua). It
 * must outlast any fill whose origin read began before the invalidation: an hour is far beyond an
 * origin read's timeout, and keeps the marks to about an hour of invalidations.
 */
export const DEFAULT_MARK_TTL_MS = 3_600_000;

/** An entry as level 2 holds it (the cache client's CacheEntry, with the value decoded from JSON). */
export interface StoredCacheEntry {
  value: unknown;
  version: number;
  tags: string[];
}

export interface CacheInvalidationCommand {
  targetType: 'key' | 'prefix' | 'content_id';
  target: string;
  version: number;
}

type CacheRedis = Redis & {
  reelstreamCacheFill(...args: string[]): Promise<[number, number]>;
  reelstreamCacheInvalidate(...args: string[]): Promise<number>;
};

interface CachePipeline {
  reelstreamCacheInvalidate(...args: string[]): void;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/**
 * The cache's level 2 in Redis: entries with their version, tags and TTL, and the invalidation marks
 * that refuse a stale fill (lua/cache-fill.lua, lua/cache-invalidate.lua). Used by the cache client
 * (reads and fills) and by the cache-invalidation topology's sink (invalidations).
 */
export class RedisCacheStore {
  private readonly redis: CacheRedis;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly markTtlMs = DEFAULT_MARK_TTL_MS,
  ) {
    if (!('reelstreamCacheFill' in redis)) {
      redis.defineCommand('reelstreamCacheFill', { numberOfKeys: 5, lua: CACHE_FILL });
      redis.defineCommand('reelstreamCacheInvalidate', { numberOfKeys: 3, lua: CACHE_INVALIDATE });
    }
    this.redis = redis as CacheRedis;
  }

  async get(cacheKey: string): Promise<StoredCacheEntry | undefined> {
    const fields = await this.call('cache read', () => this.redis.hgetall(this.keys.cacheEntry(cacheKey)));
    if (fields.version === undefined || fields.value === undefined) return undefined;
    return {
      value: JSON.parse(fields.value) as unknown,
      version: Number(fields.version),
      tags: JSON.parse(fields.tags ?? '[]') as string[],
    };
  }

  /** Stores the entry unless an invalidation or a write above its version is known; `floor` says which version it needed. */
  async fill(cacheKey: string, entry: StoredCacheEntry, ttlMs: number): Promise<{ stored: boolean; floor: number }> {
    const [stored, floor] = await this.call('cache fill', () =>
      this.redis.reelstreamCacheFill(
        this.keys.cacheEntry(cacheKey),
        this.keys.cacheKeys(),
        this.keys.cacheMarks('key'),
        this.keys.cacheMarks('prefix'),
        this.keys.cacheMarks('content_id'),
        cacheKey,
        String(entry.version),
        JSON.stringify(entry.value),
        String(Math.max(1, Math.round(ttlMs))),
        JSON.stringify(entry.tags),
        this.keys.cacheTagPrefix(),
      ),
    );
    return { stored: stored === 1, floor };
  }

  /** Applies invalidations in order, in one round trip; returns the entries deleted. */
  async invalidate(invalidations: readonly CacheInvalidationCommand[]): Promise<number> {
    if (invalidations.length === 0) return 0;
    // A key that cannot be a cache key throws here (InvalidKeyPartError: the sink refuses the record).
    for (const { targetType, target } of invalidations) if (targetType === 'key') this.keys.cacheEntry(target);
    const pipeline = this.redis.pipeline() as unknown as CachePipeline;
    for (const { targetType, target, version } of invalidations)
      pipeline.reelstreamCacheInvalidate(
        this.keys.cacheMarks(targetType),
        this.keys.cacheKeys(),
        this.keys.cacheMarkExpiry(targetType),
        targetType,
        target,
        String(version),
        this.keys.cacheEntryPrefix(),
        this.keys.cacheTagPrefix(),
        String(this.markTtlMs),
      );
    const results = await this.call('cache invalidation', () => pipeline.exec());
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed)
      throw new ServiceUnavailableError('redis', `cache invalidation failed: ${failed?.[0]?.message ?? 'no reply'}`);
    return results.reduce((sum, [, deleted]) => sum + Number(deleted), 0);
  }

  private async call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new ServiceUnavailableError('redis', `${what} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
