import type { Redis } from 'ioredis';
import { RESOLUTION_MS, RedisKeys, windowStartOf, type Resolution } from './keys';

export interface SeriesPoint<A> {
  windowStart: number;
  aggregate: A | null;
}

/**
 * What dashboards read, through the same key builder the sinks write with: the "now" view (the
 * latest 10-second window that has data), a series of the last N minutes, and the top N of a window.
 */
export class DashboardReader<A = Record<string, unknown>> {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async window(view: string, resolution: Resolution, dimension: string, windowStart: number): Promise<A | null> {
    const json = await this.redis.get(this.keys.aggregate(view, resolution, dimension, windowStart));
    return json === null ? null : (JSON.parse(json) as A);
  }

  /** The newest 10-second window with data, looking back at most `lookBack` windows from `nowMs`. */
  async now(view: string, dimension: string, nowMs = Date.now(), lookBack = 3): Promise<SeriesPoint<A> | null> {
    const current = windowStartOf(nowMs, '10s');
    const points = await this.points(view, '10s', dimension, current - (lookBack - 1) * RESOLUTION_MS['10s'], lookBack);
    return points.reverse().find((point) => point.aggregate !== null) ?? null;
  }

  /** One point per minute for the `minutes` minutes up to and including the one holding `nowMs`. */
  async series(view: string, dimension: string, minutes = 60, nowMs = Date.now()): Promise<SeriesPoint<A>[]> {
    const last = windowStartOf(nowMs, '1m');
    return this.points(view, '1m', dimension, last - (minutes - 1) * RESOLUTION_MS['1m'], minutes);
  }

  async topN(
    view: string,
    resolution: Resolution,
    windowStart: number,
    n = 10,
  ): Promise<{ dimension: string; score: number }[]> {
    const flat = await this.redis.zrevrange(this.keys.topN(view, resolution, windowStart), 0, n - 1, 'WITHSCORES');
    const top: { dimension: string; score: number }[] = [];
    for (let index = 0; index < flat.length; index += 2)
      top.push({ dimension: flat[index] as string, score: Number(flat[index + 1]) });
    return top;
  }

  private async points(
    view: string,
    resolution: Resolution,
    dimension: string,
    firstStart: number,
    count: number,
  ): Promise<SeriesPoint<A>[]> {
    const starts = Array.from({ length: count }, (_, index) => firstStart + index * RESOLUTION_MS[resolution]);
    const values = await this.redis.mget(
      starts.map((start) => this.keys.aggregate(view, resolution, dimension, start)),
    );
    return starts.map((windowStart, index) => ({
      windowStart,
      aggregate: values[index] ? (JSON.parse(values[index] as string) as A) : null,
    }));
  }
}
