import type { Redis } from 'ioredis';
import type { HotnessChange } from '../../processors/hotness/rank-hotness';
import { ServiceUnavailableError } from '../../core/errors';
import { LatestPerKeySink } from './latest-per-key-sink';
import type { RedisKeys } from './keys';

/**
 * content-hotness's Redis materialization: a hash per content and region with its score, tier, rank
 * and TTL hint, and a zset per region ranking contents by score (what a cache warmer reads: the
 * top of `hotness-rank:<region>`). The last change per content and region between flushes wins
 * (latest-per-key-sink.ts); a forgotten content is removed from both.
 */
export class RedisHotnessSink extends LatestPerKeySink<HotnessChange> {
  readonly name = 'redis:hotness';
  protected readonly what = 'hotness changes';

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    super();
  }

  protected keyOf(change: HotnessChange): string {
    return this.keys.hotness(change.region, change.contentId);
  }

  protected async send(batch: ReadonlyMap<string, HotnessChange>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const [key, { contentId, region, hotness }] of batch) {
      const ranking = this.keys.hotnessRank(region);
      if (!hotness) {
        pipeline.del(key);
        pipeline.zrem(ranking, contentId);
        continue;
      }
      pipeline.hset(key, {
        score: String(hotness.score),
        decayedViews: String(hotness.decayedViews),
        tier: hotness.tier,
        rank: String(hotness.rank),
        ttlHintMs: String(hotness.ttlHintMs),
        computedAtMs: String(hotness.computedAtMs),
      });
      pipeline.zadd(ranking, hotness.score, contentId);
    }
    const results = await pipeline.exec().catch((error: unknown) => {
      throw new ServiceUnavailableError('redis', `hotness pipeline of ${batch.size} changes failed`, { cause: error });
    });
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed)
      throw new ServiceUnavailableError('redis', `hotness pipeline failed: ${failed?.[0]?.message ?? 'no reply'}`);
  }
}
