import type { Redis } from 'ioredis';
import { RedisKeys } from '../sinks/redis/keys';
import type { Origin } from './read-through-cache';

/** A content card: the catalog fields a player page or a row of titles shows. */
export interface ContentCard {
  contentId: string;
  title: string;
  genres: string[];
  maturityRating: string;
  thumbnails: unknown;
}

/** The cache key of a content's card; its entry is tagged with the content id. */
export const contentCardKey = (contentId: string): string => `content:${contentId}:card`;

/**
 * The catalog materialization as an origin: `content:<id>:card` is read from the content's
 * catalog-sync hash in Redis (docs/redis-keys.md), at the version the hash holds — the version a
 * catalog change's invalidation carries, so the guard compares like with like. A deleted or unknown
 * content is not found.
 */
export function catalogCardOrigin(redis: Redis, keyPrefix?: string): Origin<ContentCard> {
  const keys = new RedisKeys(keyPrefix);
  return async (key) => {
    const match = /^content:([^:\s]+):card$/.exec(key);
    if (!match) return undefined;
    const contentId = match[1] as string;
    const hash = await redis.hgetall(keys.catalog(contentId));
    if (hash.version === undefined || hash.deleted === '1') return undefined;
    return {
      value: {
        contentId,
        title: hash.title ?? '',
        genres: JSON.parse(hash.genres ?? '[]') as string[],
        maturityRating: hash.maturityRating ?? '',
        thumbnails: JSON.parse(hash.thumbnails ?? 'null') as unknown,
      },
      version: Number(hash.version),
      tags: [contentId],
    };
  };
}
