import Redis from 'ioredis';
import { RedisCacheStore } from '../../sinks/redis/cache-store';
import { RedisKeys } from '../../sinks/redis/keys';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/**
 * The guards of Redis materializations on the real server, under a unique key prefix: the cache's
 * level-2 invalidation marks expire and are forgotten, so they stay bounded.
 */
const config = testConfig();
const redis = new Redis(config.redis.url);
const prefix = uniqueName('it_rguard');
const keys = new RedisKeys(prefix);

afterAll(async () => {
  const written = await redis.keys(`${prefix}:*`);
  if (written.length > 0) await redis.del(...written);
  redis.disconnect();
});

describe('Redis guards (real Redis)', () => {
  it('cache marks: a mark refuses stale fills while it lives, then expires and is forgotten by the next invalidation', async () => {
    const markTtlMs = 1_000;
    const store = new RedisCacheStore(redis, keys, markTtlMs);
    const entry = (version: number) => ({ value: { title: `v${version}` }, version, tags: ['c-7'] });
    await store.invalidate([
      { targetType: 'key', target: 'card:c-7', version: 5 },
      ...Array.from({ length: 50 }, (_, index) => ({
        targetType: 'content_id' as const,
        target: `c-${index}`,
        version: 3,
      })),
    ]);
    expect(await store.fill('card:c-7', entry(4), 60_000)).toEqual({ stored: false, floor: 5 });
    expect(await redis.hlen(keys.cacheMarks('content_id'))).toBe(50);

    await new Promise((resolve) => setTimeout(resolve, markTtlMs + 200));
    // Another invalidation of each type forgets the expired marks of its type.
    await store.invalidate([
      { targetType: 'key', target: 'card:other', version: 1 },
      { targetType: 'content_id', target: 'c-other', version: 1 },
    ]);
    expect(await redis.hget(keys.cacheMarks('key'), 'card:c-7')).toBeNull();
    expect(await redis.hkeys(keys.cacheMarks('content_id'))).toEqual(['c-other']);
    expect(await redis.zrange(keys.cacheMarkExpiry('content_id'), 0, -1)).toEqual(['c-other']);
    // Past its mark's life, a fill is judged by what the entry holds alone.
    expect(await store.fill('card:c-7', entry(4), 60_000)).toEqual({ stored: true, floor: 4 });
    expect(await store.fill('card:c-7', entry(3), 60_000)).toEqual({ stored: false, floor: 4 });
  });
});
