import type { Redis } from 'ioredis';
import type { StreamRecord, Windowed } from '../../processors/api/record';
import { ServiceUnavailableError } from '../../runtime/errors';
import type { Sink, SinkLoad } from '../../runtime/topology/sink-descriptor';
import { RESOLUTION_TTL_MS, RedisKeys, type Resolution } from './keys';

export interface RedisWindowSinkOptions {
  /** What the aggregate describes, e.g. `content` (see keys.ts). */
  view: string;
  resolution: Resolution;
  /** Adds the window's dimension to a per-window sorted set with this score (top-N). */
  topNScore?: (aggregate: Record<string, unknown>) => number;
  ttlMs?: number;
}

/**
 * Windowed aggregates into Redis, idempotently: each window's whole aggregate is SET (never
 * incremented), and a top-N member's score is set with ZADD — so writing the same update twice, or
 * replaying after a crash, leaves the same keys. Writes are collapsed per key between flushes (the
 * latest update wins) and sent as one pipeline at flush, the commit's step 1.
 */
export class RedisWindowSink implements Sink<Windowed<string>, Record<string, unknown>> {
  readonly name: string;
  private pending = new Map<string, { dimension: string; start: number; json: string; score?: number }>();
  private pendingBytes = 0;
  private inFlight: SinkLoad = { records: 0, bytes: 0 };
  private readonly ttlMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: RedisWindowSinkOptions,
  ) {
    this.name = `redis:${options.view}:${options.resolution}`;
    this.ttlMs = options.ttlMs ?? RESOLUTION_TTL_MS[options.resolution];
  }

  write(batch: readonly StreamRecord<Windowed<string>, Record<string, unknown>>[]): void {
    const { view, resolution, topNScore } = this.options;
    for (const record of batch) {
      if (record.value === null || record.value === undefined) continue;
      const { key: dimension, start } = record.key;
      const key = this.keys.aggregate(view, resolution, dimension, start);
      const json = JSON.stringify(record.value);
      const previous = this.pending.get(key);
      this.pendingBytes += json.length - (previous?.json.length ?? 0);
      this.pending.set(key, { dimension, start, json, score: topNScore?.(record.value) });
    }
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const { view, resolution } = this.options;
    const pipeline = this.redis.pipeline();
    const topKeys = new Set<string>();
    for (const [key, entry] of this.pending) {
      pipeline.set(key, entry.json, 'PX', this.ttlMs);
      if (entry.score !== undefined) {
        const topKey = this.keys.topN(view, resolution, entry.start);
        pipeline.zadd(topKey, entry.score, entry.dimension);
        topKeys.add(topKey);
      }
    }
    for (const topKey of topKeys) pipeline.pexpire(topKey, this.ttlMs);
    this.inFlight = { records: this.pending.size, bytes: this.pendingBytes };
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      this.inFlight = { records: 0, bytes: 0 };
      throw new ServiceUnavailableError(
        'redis',
        `pipeline of ${this.pending.size} aggregates failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.inFlight = { records: 0, bytes: 0 };
    const failed = results?.find(([error]) => error !== null);
    // Kept pending on failure: the retried flush sends the same values again (idempotent).
    if (!results || failed)
      throw new ServiceUnavailableError('redis', `pipeline failed: ${failed?.[0]?.message ?? 'no reply'}`);
    this.pending = new Map();
    this.pendingBytes = 0;
  }

  discard(): void {
    this.pending = new Map();
    this.pendingBytes = 0;
  }

  load(): SinkLoad {
    return { records: this.pending.size + this.inFlight.records, bytes: this.pendingBytes + this.inFlight.bytes };
  }

  async close(): Promise<void> {}
}
