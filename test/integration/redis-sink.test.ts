import Redis from 'ioredis';
import type { StreamRecord, Windowed } from '../../processors/api/record';
import { DashboardReader } from '../../sinks/redis/dashboard-reader';
import { RedisKeys } from '../../sinks/redis/keys';
import { RedisWindowSink } from '../../sinks/redis/window-sink';
import { testConfig } from '../helpers/stack';
import { refuseNothing } from '../helpers/sinks';
import { uniqueName } from '../helpers/unique';

/** The Redis window sink and the dashboard reader on the real server, under a unique key prefix. */
const config = testConfig();
const redis = new Redis(config.redis.url);
const prefix = uniqueName('it_rsink');
const keys = new RedisKeys(prefix);

afterAll(async () => {
  const written = await redis.keys(`${prefix}:*`);
  if (written.length > 0) await redis.del(...written);
  redis.disconnect();
});

const update = (
  contentId: string,
  start: number,
  viewers: number,
): StreamRecord<Windowed<string>, Record<string, unknown>> => ({
  key: { key: contentId, start, end: start + 60_000 },
  value: { concurrentViewers: viewers, starts: viewers * 2 },
  timestamp: start,
});

describe('RedisWindowSink + DashboardReader (real Redis)', () => {
  const minute = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);

  it('sets whole aggregates idempotently, keeps the latest update per window, and ranks top-N', async () => {
    const sink = new RedisWindowSink(redis, keys, {
      view: 'content',
      resolution: '1m',
      topNScore: (aggregate) => Number(aggregate.concurrentViewers),
    });
    sink.write([update('c-1', minute, 3), update('c-2', minute, 5), update('c-1', minute, 7)], refuseNothing);
    expect(sink.load().records).toBe(2); // collapsed per key before the flush
    await sink.flush();
    expect(sink.load()).toEqual({ records: 0, bytes: 0 });
    // A replay writes the same updates again: nothing changes.
    sink.write([update('c-1', minute, 3), update('c-2', minute, 5), update('c-1', minute, 7)], refuseNothing);
    await sink.flush();

    const reader = new DashboardReader(redis, keys);
    expect(await reader.window('content', '1m', 'c-1', minute)).toEqual({ concurrentViewers: 7, starts: 14 });
    expect(await reader.topN('content', '1m', minute, 5)).toEqual([
      { dimension: 'c-1', score: 7 },
      { dimension: 'c-2', score: 5 },
    ]);
    expect(await redis.pttl(keys.aggregate('content', '1m', 'c-1', minute))).toBeGreaterThan(25 * 3_600_000);
  });

  it('reads the last minutes as a series and the newest 10-second window as "now"', async () => {
    const minutes = new RedisWindowSink(redis, keys, { view: 'series', resolution: '1m' });
    minutes.write([update('c-9', minute - 120_000, 1), update('c-9', minute, 4)], refuseNothing);
    await minutes.flush();
    const tenSeconds = new RedisWindowSink(redis, keys, { view: 'series', resolution: '10s' });
    tenSeconds.write([update('c-9', minute + 10_000, 6)], refuseNothing);
    await tenSeconds.flush();

    const reader = new DashboardReader(redis, keys);
    const series = await reader.series('series', 'c-9', 3, minute + 30_000);
    expect(series.map((point) => point.aggregate?.concurrentViewers ?? null)).toEqual([1, null, 4]);
    const now = await reader.now('series', 'c-9', minute + 25_000);
    expect(now).toEqual({ windowStart: minute + 10_000, aggregate: { concurrentViewers: 6, starts: 12 } });
    expect(await redis.pttl(keys.aggregate('series', '10s', 'c-9', minute + 10_000))).toBeLessThanOrEqual(5 * 60_000);
  });

  it('keeps writes pending when Redis is unreachable, so the retried flush loses nothing', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    const sink = new RedisWindowSink(down, keys, { view: 'down', resolution: '1m' });
    sink.write([update('c-1', minute, 1)], refuseNothing);
    await expect(sink.flush()).rejects.toMatchObject({ retriable: true });
    expect(sink.load().records).toBe(1);
    down.disconnect();
  });
});
