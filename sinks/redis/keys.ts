import { RecordRefusedError } from '../../core/errors';

/**
 * Every Redis key reelstream writes or reads is built here (docs/redis-keys.md is its schema).
 *
 *   <prefix>:agg:<view>:<resolution>:<dimension>:<windowStartMs>   string: the whole aggregate, JSON
 *   <prefix>:top:<view>:<resolution>:<windowStartMs>               zset: member = dimension, score = concurrent viewers
 *   <prefix>:catalog:<contentId>                                   hash: the content's latest version (catalog-sync)
 *   <prefix>:marker                                                string, no TTL: present while Redis keeps what was written
 *   <prefix>:cache:entry:<cacheKey>                                hash: a cached value, its version and tags (L2, with a TTL)
 *   <prefix>:cache:keys                                            zset, score 0: every cached key, for prefix invalidation
 *   <prefix>:cache:tag:<contentId>                                 set: the cached keys built from that content
 *   <prefix>:cache:marks:<key|prefix|content_id>                   hash: target → highest invalidation version seen
 *   <prefix>:cache:mark-expiry:<key|prefix|content_id>             zset: target → when its mark is forgotten (epoch ms)
 *   <prefix>:cache-stats:<cache>:<minuteStartMs>                   hash: a cache's reads in one minute, summed over instances
 *   <prefix>:hotness:<region>:<contentId>                          hash: score, tier, rank, TTL hint (content-hotness; region * = all)
 *   <prefix>:hotness-rank:<region>                                 zset: member = content id, score = hotness score
 *
 * view: what is aggregated per window (`content`, `content-region`, `content-tier`, `content-premium`, `live`);
 * resolution: `1m` or `10s`; dimension: the entity (a content id, or `contentId|region`). Window
 * starts are epoch milliseconds, so a dashboard computes the keys of the last N windows itself.
 */
export type Resolution = '1m' | '10s';

export const RESOLUTION_MS: Record<Resolution, number> = { '1m': 60_000, '10s': 10_000 };

/** How long each resolution's keys live: a day of minutes for the series, a few minutes of the "now" view. */
export const RESOLUTION_TTL_MS: Record<Resolution, number> = { '1m': 26 * 3_600_000, '10s': 5 * 60_000 };

const SAFE = /^[^\s:]+$/;

/** A value that cannot be part of a key: the record that carries it goes to the DLQ. */
export class InvalidKeyPartError extends RecordRefusedError {}

function part(name: string, value: string): string {
  if (!SAFE.test(value))
    throw new InvalidKeyPartError(
      `redis key part ${name} must be non-empty without spaces or ':' (got ${JSON.stringify(value)})`,
    );
  return value;
}

/** A cache key: any text but empty, whitespace-free and at most 512 characters. */
function cacheKeyPart(cacheKey: string): string {
  if (cacheKey.length === 0 || cacheKey.length > 512 || /\s/.test(cacheKey))
    throw new InvalidKeyPartError(
      `cache key must be 1–512 characters without whitespace (got ${JSON.stringify(cacheKey.slice(0, 80))})`,
    );
  return cacheKey;
}

export class RedisKeys {
  constructor(readonly prefix = 'reelstream') {
    part('prefix', prefix);
  }

  aggregate(view: string, resolution: Resolution, dimension: string, windowStart: number): string {
    return `${this.prefix}:agg:${part('view', view)}:${resolution}:${part('dimension', dimension)}:${windowStart}`;
  }

  /** One content's catalog materialization (a hash, written by sinks/redis/catalog-sink.ts). */
  catalog(contentId: string): string {
    return `${this.prefix}:catalog:${part('content id', contentId)}`;
  }

  /**
   * The cache's level 2 (sinks/redis/cache-store.ts). A cache key is the last part of its Redis key,
   * so it may hold ':' (`content:c1:card`); the scripts build entry and tag keys from the prefixes.
   */
  cacheEntry(cacheKey: string): string {
    return `${this.cacheEntryPrefix()}${cacheKeyPart(cacheKey)}`;
  }

  cacheEntryPrefix(): string {
    return `${this.prefix}:cache:entry:`;
  }

  cacheKeys(): string {
    return `${this.prefix}:cache:keys`;
  }

  cacheTagPrefix(): string {
    return `${this.prefix}:cache:tag:`;
  }

  cacheMarks(targetType: 'key' | 'prefix' | 'content_id'): string {
    return `${this.prefix}:cache:marks:${targetType}`;
  }

  cacheMarkExpiry(targetType: 'key' | 'prefix' | 'content_id'): string {
    return `${this.prefix}:cache:mark-expiry:${targetType}`;
  }

  /** A cache's reads in one minute (cache/cache-stats.ts), summed over its instances. */
  cacheStats(cache: string, minuteStartMs: number): string {
    return `${this.prefix}:cache-stats:${part('cache', cache)}:${minuteStartMs}`;
  }

  /** A content's hotness in a region (`*`: every region), written by sinks/redis/hotness-sink.ts. */
  hotness(region: string, contentId: string): string {
    return `${this.prefix}:hotness:${part('region', region)}:${part('content id', contentId)}`;
  }

  /** A region's contents by hotness score: the top of it is what a cache warms. */
  hotnessRank(region: string): string {
    return `${this.prefix}:hotness-rank:${part('region', region)}`;
  }

  /**
   * Written by every flush with SET NX: finding it gone means Redis lost what reelstream wrote (a
   * restart without persistence, a flush), and the runtime writes every open window again.
   */
  marker(): string {
    return `${this.prefix}:marker`;
  }

  topN(view: string, resolution: Resolution, windowStart: number): string {
    return `${this.prefix}:top:${part('view', view)}:${resolution}:${windowStart}`;
  }

  /** `contentId|region` and the like: one dimension out of several values. */
  static dimension(...values: string[]): string {
    return values.join('|');
  }
}

/** The start of the window of `resolution` that holds `timeMs`. */
export function windowStartOf(timeMs: number, resolution: Resolution): number {
  const size = RESOLUTION_MS[resolution];
  return timeMs - (((timeMs % size) + size) % size);
}
