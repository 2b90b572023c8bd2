import type { Redis } from 'ioredis';
import { quoteString, type ClickhouseConnection } from '../sinks/clickhouse/connection';
import type { RedisKeys, Resolution } from '../sinks/redis/keys';
import type { ExpectedAggregates, ExpectedWindow } from './expected';

export interface ValidationTargets {
  redis: Redis;
  keys: RedisKeys;
  clickhouse: ClickhouseConnection;
  database: string;
  /** Windows that end at or before this (epoch ms) must have their final rollup in ClickHouse. */
  finalBeforeMs: number;
  /**
   * Whether to check the 10-second "now" view. Its keys live 5 minutes after their last write
   * (RESOLUTION_TTL_MS): validating later than that, they are gone by design.
   */
  nowView?: boolean;
}

export interface ValidationReport {
  ok: boolean;
  lines: string[];
  differences: string[];
}

/** Every figure the pipeline documents (processors/playback/playback-stats.ts), compared one by one. */
const FIGURES = [
  'starts',
  'stops',
  'errors',
  'concurrentViewers',
  'uniqueViewers',
  'watchTimeMs',
  'bufferingMs',
  'bufferingRatio',
  'sessionsWithRebuffer',
  'rebufferRate',
  'startupTimeP50Ms',
  'startupTimeP95Ms',
  'avgBitrateKbps',
  'errorsByCode',
  'outsideRightsEvents',
  'title',
  'genre',
] as const satisfies readonly (keyof ExpectedWindow)[];

type Figure = (typeof FIGURES)[number];

const COLUMNS: Record<Exclude<Figure, 'errorsByCode'>, string> = {
  starts: 'starts',
  stops: 'stops',
  errors: 'errors',
  concurrentViewers: 'concurrent_viewers',
  uniqueViewers: 'unique_viewers',
  watchTimeMs: 'watch_time_ms',
  bufferingMs: 'buffering_ms',
  bufferingRatio: 'buffering_ratio',
  sessionsWithRebuffer: 'sessions_with_rebuffer',
  rebufferRate: 'rebuffer_rate',
  startupTimeP50Ms: 'startup_time_p50_ms',
  startupTimeP95Ms: 'startup_time_p95_ms',
  avgBitrateKbps: 'avg_bitrate_kbps',
  outsideRightsEvents: 'outside_rights_events',
  title: 'title_or_null',
  genre: 'genre_or_null',
};

/** What a rollup column is selected as, where that is not the column itself (no title is '' in ClickHouse). */
const SELECTED: Partial<Record<string, string>> = {
  title_or_null: "nullIf(title, '') AS title_or_null",
  genre_or_null: "nullIf(genre, '') AS genre_or_null",
};

/** Ratios and means are floats computed in another order: equal within a relative 1e-9. */
function same(actual: unknown, expected: unknown): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (typeof expected === 'string') return actual === expected;
  if (typeof expected === 'number') {
    const value = Number(actual);
    return actual !== null && Math.abs(value - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
  }
  const want = Object.entries(expected as Record<string, number>);
  const got = (actual ?? {}) as Record<string, unknown>;
  return Object.keys(got).length === want.length && want.every(([code, count]) => Number(got[code]) === count);
}

function differ(
  where: string,
  expected: ExpectedWindow,
  actual: Record<string, unknown> | undefined,
  read: (figure: Figure) => unknown,
): string[] {
  if (!actual) return [`${where}: missing`];
  // Files written before a figure was expected do not have it: nothing to compare.
  return FIGURES.filter((figure) => expected[figure] !== undefined && !same(read(figure), expected[figure])).map(
    (figure) => `${where}: ${figure} ${JSON.stringify(read(figure))} ≠ expected ${JSON.stringify(expected[figure])}`,
  );
}

/** A rollup row's error codes and counts (two arrays) as one object, like the Redis aggregate's. */
function errorsByCodeOf(row: Record<string, unknown>): Record<string, number> {
  const codes = (row.error_codes ?? []) as string[];
  const counts = (row.error_counts ?? []) as (string | number)[];
  return Object.fromEntries(codes.map((code, index) => [code, Number(counts[index])]));
}

/** The Redis part: each window's aggregate key, checked in the views' groups the report names. */
const REDIS_GROUPS: { label: string; matches: (window: ExpectedWindow) => boolean }[] = [
  {
    label: 'minute aggregates (per content, per content and region, per content and tier)',
    matches: (w) => w.view !== 'live' && resolutionOf(w) === '1m',
  },
  { label: '10-second aggregates per content (the "now" view)', matches: (w) => resolutionOf(w) === '10s' },
  { label: 'minute aggregates per live event', matches: (w) => w.view === 'live' },
];

/** Files written before the 10-second and live views were expected hold 1-minute windows only. */
function resolutionOf(window: ExpectedWindow): Resolution {
  return window.resolution ?? '1m';
}

async function redisDifferences(windows: ExpectedWindow[], targets: ValidationTargets): Promise<string[]> {
  if (windows.length === 0) return [];
  const values = await targets.redis.mget(
    windows.map((w) => targets.keys.aggregate(w.view, resolutionOf(w), w.dimension, w.windowStart)),
  );
  return windows.flatMap((window, index) => {
    const json = values[index];
    const actual = json ? (JSON.parse(json) as Record<string, unknown>) : undefined;
    return differ(
      `redis ${window.view} ${resolutionOf(window)} ${window.dimension} @ ${new Date(window.windowStart).toISOString()}`,
      window,
      actual,
      (figure) => actual?.[figure],
    );
  });
}

/**
 * Top-N: each minute's sorted set must rank every content of that minute by its concurrent viewers
 * (member = content id, score = concurrent viewers). Members of other runs sharing a minute are ignored.
 */
async function topNDifferences(windows: ExpectedWindow[], targets: ValidationTargets): Promise<string[]> {
  const byStart = new Map<number, ExpectedWindow[]>();
  for (const window of windows) byStart.set(window.windowStart, [...(byStart.get(window.windowStart) ?? []), window]);
  const pipeline = targets.redis.pipeline();
  for (const start of byStart.keys()) pipeline.zrange(targets.keys.topN('content', '1m', start), 0, -1, 'WITHSCORES');
  const replies = (await pipeline.exec()) ?? [];
  const differences: string[] = [];
  [...byStart].forEach(([start, expected], index) => {
    const [error, reply] = replies[index] ?? [new Error('no reply'), []];
    if (error) throw error;
    const flat = reply as string[];
    const scores = new Map<string, number>();
    for (let i = 0; i < flat.length; i += 2) scores.set(flat[i] as string, Number(flat[i + 1]));
    for (const window of expected) {
      const score = scores.get(window.contentId);
      if (score !== window.concurrentViewers)
        differences.push(
          `redis top-N @ ${new Date(start).toISOString()} ${window.contentId}: ${score ?? 'missing'} ≠ expected ${window.concurrentViewers} concurrent viewers`,
        );
    }
  });
  return differences;
}

/**
 * Compares what the pipeline wrote with what the simulator produced: every Redis window aggregate
 * (1-minute per content, region and tier; 10-second per content; 1-minute per live event) and the
 * per-minute top-N sets, every final rollup in ClickHouse (exact: distinct counts are exact), and
 * the raw row count. `ok` is false on any difference.
 */
export async function validate(expected: ExpectedAggregates, targets: ValidationTargets): Promise<ValidationReport> {
  const differences: string[] = [];
  const lines: string[] = [];
  const mark = (count: number) => (count === 0 ? '✓' : '✗');
  const { windows } = expected;

  for (const group of REDIS_GROUPS) {
    const members = windows.filter(group.matches);
    if (group.label.startsWith('10-second') && targets.nowView === false) {
      lines.push(`- Redis: ${members.length} ${group.label} not checked (--skip-now-view)`);
      continue;
    }
    const found = await redisDifferences(members, targets);
    differences.push(...found);
    lines.push(`${mark(found.length)} Redis: ${members.length} ${group.label}, ${found.length} differences`);
  }
  const ranked = windows.filter((w) => w.view === 'content' && resolutionOf(w) === '1m');
  const topN = await topNDifferences(ranked, targets);
  differences.push(...topN);
  lines.push(
    `${mark(topN.length)} Redis: top-N by concurrent viewers, ${ranked.length} ranked entries in ${new Set(ranked.map((w) => w.windowStart)).size} minutes, ${topN.length} differences`,
  );

  const final = windows.filter(
    (window) =>
      window.view !== 'live' && resolutionOf(window) === '1m' && window.windowStart + 60_000 <= targets.finalBeforeMs,
  );
  const contents = [...new Set(final.map((window) => window.contentId))];
  const rows =
    contents.length === 0
      ? []
      : await targets.clickhouse.queryRows<Record<string, unknown>>(
          `SELECT content_id, region, viewer_tier, toUInt64(window_start) * 1000 AS window_start_ms, ${Object.values(
            COLUMNS,
          )
            .map((column) => SELECTED[column] ?? column)
            .join(', ')}, error_codes, error_counts
           FROM ${targets.database}.playback_minute FINAL
           WHERE content_id IN (${contents.map(quoteString).join(', ')})`,
        );
  const byWindow = new Map(
    rows.map((row) => [`${row.content_id}|${row.region}|${row.viewer_tier}@${row.window_start_ms}`, row]),
  );
  const rollupDifferences = final.flatMap((window) => {
    const row = byWindow.get(`${window.contentId}|${window.region}|${window.tier}@${window.windowStart}`);
    return differ(
      `clickhouse ${window.contentId} ${window.region}/${window.tier} @ ${new Date(window.windowStart).toISOString()}`,
      window,
      row,
      (figure) => (figure === 'errorsByCode' ? (row ? errorsByCodeOf(row) : undefined) : row?.[COLUMNS[figure]]),
    );
  });
  differences.push(...rollupDifferences);
  lines.push(
    `${mark(rollupDifferences.length)} ClickHouse playback_minute: ${final.length} final rollups, ${rollupDifferences.length} differences`,
  );

  const raw = await targets.clickhouse.queryRows<{ n: string }>(
    `SELECT count() AS n FROM ${targets.database}.playback_events FINAL WHERE source_topic IN (${(expected.topics ?? [expected.topic]).map(quoteString).join(', ')})`,
  );
  const rawRows = Number(raw[0]?.n ?? 0);
  if (rawRows !== expected.events)
    differences.push(`clickhouse playback_events: ${rawRows} rows ≠ ${expected.events} produced`);
  lines.push(
    `${mark(rawRows === expected.events ? 0 : 1)} ClickHouse playback_events: ${rawRows.toLocaleString('en-US')} rows for ${expected.events.toLocaleString('en-US')} produced events`,
  );
  return { ok: differences.length === 0, lines, differences };
}
