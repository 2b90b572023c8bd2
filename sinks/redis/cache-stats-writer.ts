import type { Redis } from 'ioredis';
import type { CacheMinute, CacheMinuteWriter } from '../../cache/cache-stats';
import { ServiceUnavailableError } from '../../core/errors';
import type { RedisKeys } from './keys';

/** Cache minutes in Redis: one hash per cache and minute, summed over the instances (HINCRBY), for a day. */
export class RedisCacheStatsWriter implements CacheMinuteWriter {
  readonly name = 'redis';

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async write(minutes: readonly CacheMinute[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const minute of minutes) {
      const key = this.keys.cacheStats(minute.cache, minute.minuteStartMs);
      pipeline.hincrby(key, 'requests', minute.requests);
      pipeline.hincrby(key, 'l1Hits', minute.l1Hits);
      pipeline.hincrby(key, 'l2Hits', minute.l2Hits);
      pipeline.hincrby(key, 'originLoads', minute.originLoads);
      pipeline.hincrby(key, 'refusedFills', minute.refusedFills);
      pipeline.hincrby(key, 'staleServes', minute.staleServes);
      pipeline.pexpire(key, 26 * 3_600_000);
    }
    const results = await pipeline.exec().catch((error: unknown) => {
      throw new ServiceUnavailableError('redis', 'cache stats write failed', { cause: error });
    });
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed)
      throw new ServiceUnavailableError('redis', `cache stats write failed: ${failed?.[0]?.message ?? 'no reply'}`);
  }
}
