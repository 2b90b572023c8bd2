import type { Redis } from 'ioredis';
import { RESOLUTION_MS, windowStartOf, type RedisKeys } from '../../sinks/redis/keys';

/**
 * What the live dashboard shows, read from the windows playback analytics keeps in Redis
 * (docs/redis-keys.md): the latest minute with data and the hour before it. Every figure is the
 * pipeline's own — concurrent viewers per title are its sessions in the minute, platform figures are
 * sums over the titles of the minute — so the page equals Redis.
 */
export interface TitleFigures {
  contentId: string;
  title: string | null;
  concurrentViewers: number;
  bufferingRatio: number;
  rebufferRate: number;
  startupTimeP95Ms: number | null;
}

export interface DashboardSnapshot {
  /** When it was read (epoch ms). */
  readAt: number;
  /** The minute shown: the latest with data; null when Redis holds none of the last hour. */
  minute: number | null;
  concurrentViewers: number;
  /** Concurrent viewers per minute over the hour up to `minute`, oldest first (0 for a minute without data). */
  history: { minute: number; concurrentViewers: number }[];
  top: TitleFigures[];
  /** Buffering time / watch time and rebuffered sessions / sessions, over every title of the minute. */
  bufferingRatio: number;
  rebufferRate: number;
  /** The highest startup p95 among the top titles (percentiles of different titles do not add up). */
  worstStartupTimeP95Ms: number | null;
  live: { liveEventId: string; concurrentViewers: number }[];
}

type Aggregate = Record<string, unknown>;

const number = (value: unknown): number => (typeof value === 'number' ? value : 0);

export async function readSnapshot(
  redis: Redis,
  keys: RedisKeys,
  topN = 10,
  now = Date.now(),
): Promise<DashboardSnapshot> {
  const current = windowStartOf(now, '1m');
  const minutes = Array.from({ length: 60 }, (_, index) => current - (59 - index) * RESOLUTION_MS['1m']);
  const ranked = await Promise.all(
    minutes.map((minute) => redis.zrevrange(keys.topN('content', '1m', minute), 0, -1, 'WITHSCORES')),
  );
  const totals = ranked.map((flat) => {
    let sum = 0;
    for (let i = 1; i < flat.length; i += 2) sum += Number(flat[i]);
    return sum;
  });
  const history = minutes.map((minute, index) => ({ minute, concurrentViewers: totals[index] ?? 0 }));
  let shown = -1;
  for (let index = minutes.length - 1; index >= 0; index -= 1)
    if ((ranked[index]?.length ?? 0) > 0) {
      shown = index;
      break;
    }
  const readAt = Date.now();
  if (shown < 0)
    return {
      readAt,
      minute: null,
      concurrentViewers: 0,
      history,
      top: [],
      bufferingRatio: 0,
      rebufferRate: 0,
      worstStartupTimeP95Ms: null,
      live: [],
    };
  const minute = minutes[shown] as number;
  const members = ranked[shown] as string[];
  const ids: string[] = [];
  for (let i = 0; i < members.length; i += 2) ids.push(members[i] as string);
  const aggregates = (await redis.mget(ids.map((id) => keys.aggregate('content', '1m', id, minute)))).map((json) =>
    json ? (JSON.parse(json) as Aggregate) : {},
  );
  let buffering = 0;
  let watch = 0;
  let rebuffered = 0;
  let sessions = 0;
  for (const aggregate of aggregates) {
    buffering += number(aggregate.bufferingMs);
    watch += number(aggregate.watchTimeMs);
    rebuffered += number(aggregate.sessionsWithRebuffer);
    sessions += number(aggregate.concurrentViewers);
  }
  const top = ids.slice(0, topN).map((contentId, index) => {
    const aggregate = aggregates[index] ?? {};
    return {
      contentId,
      title: typeof aggregate.title === 'string' ? aggregate.title : null,
      concurrentViewers: number(aggregate.concurrentViewers),
      bufferingRatio: number(aggregate.bufferingRatio),
      rebufferRate: number(aggregate.rebufferRate),
      startupTimeP95Ms: typeof aggregate.startupTimeP95Ms === 'number' ? aggregate.startupTimeP95Ms : null,
    };
  });
  const p95s = top.map((title) => title.startupTimeP95Ms).filter((ms): ms is number => ms !== null);
  return {
    readAt,
    minute,
    concurrentViewers: totals[shown] ?? 0,
    history,
    top,
    bufferingRatio: watch === 0 ? 0 : buffering / watch,
    rebufferRate: sessions === 0 ? 0 : rebuffered / sessions,
    worstStartupTimeP95Ms: p95s.length === 0 ? null : Math.max(...p95s),
    live: await liveEvents(redis, keys, minute),
  };
}

/** The live events with a window in `minute` (their keys found by SCAN: there are few). */
async function liveEvents(redis: Redis, keys: RedisKeys, minute: number) {
  const pattern = keys.aggregate('live', '1m', '*', minute);
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  const prefix = keys.aggregate('live', '1m', 'x', minute).split(':x:')[0] as string;
  const values = found.length === 0 ? [] : await redis.mget(found);
  return found
    .map((key, index) => ({
      liveEventId: key.slice(prefix.length + 1, key.lastIndexOf(':')),
      concurrentViewers: number((JSON.parse(values[index] ?? '{}') as Aggregate).concurrentViewers),
    }))
    .sort((a, b) => b.concurrentViewers - a.concurrentViewers || a.liveEventId.localeCompare(b.liveEventId));
}
