import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { HotnessChange } from '../../processors/hotness/rank-hotness';
import { ServiceUnavailableError } from '../../core/errors';
import { LatestPerKeySink } from './latest-per-key-sink';
import type { RedisKeys } from './keys';

const HOTNESS_APPLY = readFileSync(join(__dirname, 'lua', 'hotness-apply.lua'), 'utf8');

/** How long a forgotten content's tombstone hash keeps a replay from bringing it back. */
const TOMBSTONE_TTL_MS = 24 * 3_600_000;

type HotnessRedis = Redis & {
  reelstreamHotnessApply(hash: string, ranking: string, ...args: string[]): Promise<number>;
};

/**
 * content-hotness's Redis materialization: a hash per content and region with its score, tier, rank
 * and TTL hint, and a zset per region ranking contents by score (what a cache warmer reads: the
 * top of `hotness-rank:<region>`). The last change per content and region between flushes wins
 * (latest-per-key-sink.ts); each is applied by lua/hotness-apply.lua, guarded by the event time it
 * was ranked at, so a replay of older playback never overwrites the live hotness. A forgotten
 * content leaves the ranking and keeps a tombstone hash for a day.
 */
export class RedisHotnessSink extends LatestPerKeySink<HotnessChange> {
  readonly name = 'redis:hotness';
  protected readonly what = 'hotness changes';
  private readonly redis: HotnessRedis;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    super();
    if (!('reelstreamHotnessApply' in redis))
      redis.defineCommand('reelstreamHotnessApply', { numberOfKeys: 2, lua: HOTNESS_APPLY });
    this.redis = redis as HotnessRedis;
  }

  protected keyOf(change: HotnessChange): string {
    return this.keys.hotness(change.region, change.contentId);
  }

  protected async send(batch: ReadonlyMap<string, HotnessChange>): Promise<void> {
    const pipeline = this.redis.pipeline() as unknown as {
      reelstreamHotnessApply(hash: string, ranking: string, ...args: string[]): void;
      exec(): Promise<[Error | null, unknown][] | null>;
    };
    for (const [key, { contentId, region, hotness, asOfMs }] of batch)
      pipeline.reelstreamHotnessApply(
        key,
        this.keys.hotnessRank(region),
        contentId,
        String(asOfMs),
        hotness
          ? JSON.stringify({
              score: String(hotness.score),
              decayedViews: String(hotness.decayedViews),
              tier: hotness.tier,
              rank: String(hotness.rank),
              ttlHintMs: String(hotness.ttlHintMs),
              computedAtMs: String(hotness.computedAtMs),
            })
          : '',
        String(TOMBSTONE_TTL_MS),
      );
    const results = await pipeline.exec().catch((error: unknown) => {
      throw new ServiceUnavailableError('redis', `hotness pipeline of ${batch.size} changes failed`, { cause: error });
    });
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed)
      throw new ServiceUnavailableError('redis', `hotness pipeline failed: ${failed?.[0]?.message ?? 'no reply'}`);
  }
}
