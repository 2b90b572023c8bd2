import type { Redis } from 'ioredis';
import type { StreamRecord } from '../../processors/api/record';
import type { HotnessChange } from '../../processors/hotness/rank-hotness';
import { ServiceUnavailableError } from '../../core/errors';
import type { RefuseRecord, Sink, SinkLoad } from '../../runtime/topology/sink-descriptor';
import { closeByFlushing } from './close-by-flushing';
import type { RedisKeys } from './keys';

/**
 * content-hotness's Redis materialization: a hash per content and region with its score, tier, rank
 * and TTL hint, and a zset per region ranking contents by score (what a cache warmer reads: the
 * top of `hotness-rank:<region>`). The last change per content and region between flushes wins; a
 * forgotten content is removed from both.
 */
export class RedisHotnessSink implements Sink<string, HotnessChange> {
  readonly name = 'redis:hotness';
  private pending = new Map<string, HotnessChange>();
  private inFlight = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  write(batch: readonly StreamRecord<string, HotnessChange>[], refuse: RefuseRecord<string, HotnessChange>): void {
    for (const record of batch) {
      try {
        const key = this.keys.hotness(record.value.region, record.value.contentId);
        this.pending.delete(key); // re-inserted last: the pipeline keeps the order of the changes
        this.pending.set(key, record.value);
      } catch (error) {
        refuse(record, error as Error);
      }
    }
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const sending = this.pending;
    this.pending = new Map();
    this.inFlight = sending.size;
    const pipeline = this.redis.pipeline();
    for (const [key, { contentId, region, hotness }] of sending) {
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
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      this.putBack(sending);
      throw new ServiceUnavailableError('redis', `hotness pipeline of ${sending.size} changes failed`, {
        cause: error,
      });
    } finally {
      this.inFlight = 0;
    }
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed) {
      this.putBack(sending);
      throw new ServiceUnavailableError('redis', `hotness pipeline failed: ${failed?.[0]?.message ?? 'no reply'}`);
    }
  }

  private putBack(batch: Map<string, HotnessChange>): void {
    for (const [key, change] of batch) if (!this.pending.has(key)) this.pending.set(key, change);
  }

  discard(): void {
    this.pending = new Map();
  }

  load(): SinkLoad {
    return { records: this.pending.size + this.inFlight, bytes: 0 };
  }

  close(): Promise<void> {
    return closeByFlushing(
      () => this.pending.size,
      () => this.flush(),
      'hotness changes',
    );
  }
}
