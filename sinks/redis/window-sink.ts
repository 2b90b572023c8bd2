import type { Redis } from 'ioredis';
import type { StreamRecord, Windowed } from '../../processors/api/record';
import { ServiceUnavailableError } from '../../core/errors';
import { closeByFlushing } from './close-by-flushing';
import type { RefuseRecord, Sink, SinkLoad } from '../../runtime/topology/sink-descriptor';
import { RESOLUTION_TTL_MS, RedisKeys, type Resolution } from './keys';

export interface RedisWindowSinkOptions {
  /** What the aggregate describes, e.g. `content` (see keys.ts). */
  view: string;
  resolution: Resolution;
  /** Adds the window's dimension to a per-window sorted set with this score (top-N). */
  topNScore?: (aggregate: Record<string, unknown>) => number;
  ttlMs?: number;
}

/** One window's latest value, waiting for the next flush. */
interface PendingAggregate {
  dimension: string;
  start: number;
  json: string;
  score?: number;
}

/**
 * Windowed aggregates into Redis, idempotently: each window's whole aggregate is SET (never
 * incremented), and a top-N member's score is set with ZADD — so writing the same update twice, or
 * replaying after a crash, leaves the same keys. Writes are collapsed per key between flushes (the
 * latest update wins) and sent as one pipeline at flush, the commit's step 1.
 *
 * Each pipeline starts with `SET <marker> NX GET`: when it finds the marker gone, Redis lost what was
 * written before (a restart without persistence) and `takeDataLoss()` tells the runtime, which writes
 * the current value of every open window again. A fresh process treats a missing marker the same way:
 * Redis may have lost its data while the process was down.
 */
export class RedisWindowSink implements Sink<Windowed<string>, Record<string, unknown>> {
  readonly name: string;
  private pending = new Map<string, PendingAggregate>();
  private pendingBytes = 0;
  private inFlight: SinkLoad = { records: 0, bytes: 0 };
  private readonly ttlMs: number;
  private dataLost = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: RedisWindowSinkOptions,
  ) {
    this.name = `redis:${options.view}:${options.resolution}`;
    this.ttlMs = options.ttlMs ?? RESOLUTION_TTL_MS[options.resolution];
  }

  write(
    batch: readonly StreamRecord<Windowed<string>, Record<string, unknown>>[],
    refuse: RefuseRecord<Windowed<string>, Record<string, unknown>>,
  ): void {
    const { view, resolution, topNScore } = this.options;
    for (const record of batch) {
      if (record.value === null || record.value === undefined) continue;
      const { key: dimension, start } = record.key;
      let key: string;
      try {
        key = this.keys.aggregate(view, resolution, String(dimension), start);
      } catch (error) {
        refuse(record, error as Error);
        continue;
      }
      const json = JSON.stringify(record.value);
      const previous = this.pending.get(key);
      this.pendingBytes += json.length - (previous?.json.length ?? 0);
      this.pending.set(key, { dimension, start, json, score: topNScore?.(record.value) });
    }
  }

  /**
   * Sends what was written before the call as one pipeline. Writes made while it is on its way
   * (the next batch, processed during the commit) wait for the next flush; on failure the batch
   * goes back to pending under any newer value of the same key, and the retried flush sends it again.
   */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const { view, resolution } = this.options;
    const sending = this.pending;
    const sendingBytes = this.pendingBytes;
    this.pending = new Map();
    this.pendingBytes = 0;
    const pipeline = this.redis.pipeline();
    pipeline.set(this.keys.marker(), '1', 'NX', 'GET');
    const topKeys = new Set<string>();
    for (const [key, entry] of sending) {
      pipeline.set(key, entry.json, 'PX', this.ttlMs);
      if (entry.score !== undefined) {
        const topKey = this.keys.topN(view, resolution, entry.start);
        pipeline.zadd(topKey, entry.score, entry.dimension);
        topKeys.add(topKey);
      }
    }
    for (const topKey of topKeys) pipeline.pexpire(topKey, this.ttlMs);
    this.inFlight = { records: sending.size, bytes: sendingBytes };
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      this.putBack(sending);
      throw new ServiceUnavailableError(
        'redis',
        `pipeline of ${sending.size} aggregates failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    } finally {
      this.inFlight = { records: 0, bytes: 0 };
    }
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed) {
      this.putBack(sending);
      throw new ServiceUnavailableError('redis', `pipeline failed: ${failed?.[0]?.message ?? 'no reply'}`);
    }
    if (results[0]?.[1] === null) this.dataLost = true;
  }

  /** An unacknowledged batch back into pending, where a newer write of the same key does not already wait. */
  private putBack(batch: Map<string, PendingAggregate>): void {
    for (const [key, entry] of batch) {
      if (this.pending.has(key)) continue;
      this.pending.set(key, entry);
      this.pendingBytes += entry.json.length;
    }
  }

  /** Idle check: the marker is there (and set again if not, so one loss is reported once). */
  async probe(): Promise<void> {
    const previous = await this.redis.set(this.keys.marker(), '1', 'NX', 'GET');
    if (previous === null) this.dataLost = true;
  }

  /** True once after a flush found that Redis lost what was written before. */
  takeDataLoss(): boolean {
    const lost = this.dataLost;
    this.dataLost = false;
    return lost;
  }

  discard(): void {
    this.pending = new Map();
    this.pendingBytes = 0;
  }

  load(): SinkLoad {
    return { records: this.pending.size + this.inFlight.records, bytes: this.pendingBytes + this.inFlight.bytes };
  }

  /** Sends what is still pending (once); rejects naming what is left if Redis does not take it. */
  close(): Promise<void> {
    return closeByFlushing(
      () => this.pending.size,
      () => this.flush(),
      `aggregates of ${this.name}`,
    );
  }
}
