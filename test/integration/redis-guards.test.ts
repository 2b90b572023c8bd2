import Redis from 'ioredis';
import type { HotnessChange } from '../../processors/hotness/rank-hotness';
import { RedisCacheStore } from '../../sinks/redis/cache-store';
import { RedisHotnessSink } from '../../sinks/redis/hotness-sink';
import { RedisKeys } from '../../sinks/redis/keys';
import { refuseNothing } from '../helpers/sinks';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/**
 * The guards of two Redis materializations on the real server, under a unique key prefix: hotness
 * written by a replay of older playback never overrides the live one, and the cache's level-2
 * invalidation marks expire and are forgotten, so they stay bounded.
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

const change = (asOfMs: number, score: number | null): HotnessChange => ({
  contentId: 'c-1',
  region: 'DE',
  asOfMs,
  hotness:
    score === null
      ? null
      : {
          contentId: 'c-1',
          region: 'DE',
          score,
          decayedViews: score * 100,
          tier: score > 0.5 ? 'top1' : 'tail',
          rank: 1,
          ttlHintMs: 30_000,
          computedAtMs: Date.now(),
          asOfMs,
        },
});

async function write(sink: RedisHotnessSink, value: HotnessChange): Promise<void> {
  sink.write([{ key: `${value.contentId}|${value.region}`, value, timestamp: value.asOfMs }], refuseNothing);
  await sink.flush();
}

describe('Redis guards (real Redis)', () => {
  it('hotness: a change ranked at an older event time (a replay) changes nothing; a forgotten content stays forgotten', async () => {
    const sink = new RedisHotnessSink(redis, keys);
    const hash = keys.hotness('DE', 'c-1');
    const ranking = keys.hotnessRank('DE');
    await write(sink, change(2_000, 0.9));
    expect(await redis.hget(hash, 'score')).toBe('0.9');
    await write(sink, change(1_000, 0.2)); // the replay of earlier playback
    expect(await redis.hmget(hash, 'score', 'tier', 'asOfMs')).toEqual(['0.9', 'top1', '2000']);
    expect(Number(await redis.zscore(ranking, 'c-1'))).toBeCloseTo(0.9);
    await write(sink, change(3_000, 0.4)); // live, later
    expect(await redis.hmget(hash, 'score', 'tier', 'asOfMs')).toEqual(['0.4', 'tail', '3000']);
    expect(Number(await redis.zscore(ranking, 'c-1'))).toBeCloseTo(0.4);
    await write(sink, change(4_000, null)); // decayed to nothing: forgotten
    expect(await redis.hgetall(hash)).toEqual({ asOfMs: '4000', forgotten: '1' });
    expect(await redis.pttl(hash)).toBeGreaterThan(0);
    expect(await redis.zscore(ranking, 'c-1')).toBeNull();
    await write(sink, change(3_500, 0.7)); // a replay would bring it back: refused
    expect(await redis.hgetall(hash)).toEqual({ asOfMs: '4000', forgotten: '1' });
    expect(await redis.zscore(ranking, 'c-1')).toBeNull();
  });

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
