import type { Redis } from 'ioredis';
import type { StreamRecord } from '../../processors/api/record';
import { coalesce, type Invalidation } from '../../processors/cache/invalidations';
import type { RefuseRecord, Sink, SinkLoad } from '../../runtime/topology/sink-descriptor';
import { cacheInvalidationsApplied, cacheInvalidationsReceived, RedisCacheStore } from './cache-store';
import { closeByFlushing } from './close-by-flushing';
import type { RedisKeys } from './keys';

/**
 * The cache-invalidation topology's sink: applies invalidations to the cache's level 2 in offset
 * order, one pipeline per commit. What arrives between two flushes is coalesced first — a storm of
 * invalidations of one target becomes one, at its highest version — so a storm costs Redis one
 * script call per target per commit interval. The coalescing ratio is received / applied
 * (`reelstream_cache_invalidations_received_total` / `…_applied_total`, level l2).
 */
export class RedisCacheInvalidationSink implements Sink<string, Invalidation> {
  readonly name = 'redis:cache-invalidation';
  private pending: Invalidation[] = [];
  private inFlight = 0;
  private readonly store: RedisCacheStore;

  private readonly cache: string;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    options: { cache?: string; markTtlMs?: number } = {},
  ) {
    this.cache = options.cache ?? 'l2';
    this.store = new RedisCacheStore(redis, keys, options.markTtlMs);
  }

  write(batch: readonly StreamRecord<string, Invalidation>[], refuse: RefuseRecord<string, Invalidation>): void {
    for (const record of batch) {
      const { targetType, target, version } = record.value;
      try {
        if (targetType === 'key') this.keys.cacheEntry(target); // a key Redis cannot hold goes to the DLQ
        this.pending.push({ targetType, target, version });
      } catch (error) {
        refuse(record, error as Error);
      }
    }
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const received = this.pending;
    this.pending = [];
    const coalesced = coalesce(received);
    this.inFlight = coalesced.length;
    try {
      await this.store.invalidate(coalesced);
    } catch (error) {
      this.pending = [...received, ...this.pending];
      throw error;
    } finally {
      this.inFlight = 0;
    }
    cacheInvalidationsReceived.inc({ cache: this.cache, level: 'l2' }, received.length);
    cacheInvalidationsApplied.inc({ cache: this.cache, level: 'l2' }, coalesced.length);
  }

  discard(): void {
    this.pending = [];
  }

  load(): SinkLoad {
    return { records: this.pending.length + this.inFlight, bytes: 0 };
  }

  close(): Promise<void> {
    return closeByFlushing(
      () => this.pending.length,
      () => this.flush(),
      'cache invalidations',
    );
  }
}
