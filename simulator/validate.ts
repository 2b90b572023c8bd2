import type { Redis } from 'ioredis';
import { quoteString, type ClickhouseConnection } from '../sinks/clickhouse/connection';
import { RedisKeys } from '../sinks/redis/keys';
import type { ExpectedAggregates, ExpectedWindow } from './expected';

export interface ValidationTargets {
  redis: Redis;
  keys: RedisKeys;
  clickhouse: ClickhouseConnection;
  database: string;
  /** Windows that end at or before this (epoch ms) must have their final rollup in ClickHouse. */
  finalBeforeMs: number;
}

export interface ValidationReport {
  ok: boolean;
  lines: string[];
  differences: string[];
}

const FIGURES = [
  'starts',
  'stops',
  'errors',
  'concurrentViewers',
  'uniqueViewers',
  'watchTimeMs',
  'bufferingMs',
] as const satisfies readonly (keyof ExpectedWindow)[];

const COLUMNS: Record<(typeof FIGURES)[number], string> = {
  starts: 'starts',
  stops: 'stops',
  errors: 'errors',
  concurrentViewers: 'concurrent_viewers',
  uniqueViewers: 'unique_viewers',
  watchTimeMs: 'watch_time_ms',
  bufferingMs: 'buffering_ms',
};

function differ(
  where: string,
  expected: ExpectedWindow,
  actual: Record<string, unknown> | undefined,
  read: (figure: (typeof FIGURES)[number]) => unknown,
): string[] {
  if (!actual) return [`${where}: missing`];
  return FIGURES.filter((figure) => Number(read(figure)) !== expected[figure]).map(
    (figure) => `${where}: ${figure} ${String(read(figure))} ≠ expected ${expected[figure]}`,
  );
}

/**
 * Compares what the pipeline wrote with what the simulator produced: every 1-minute content
 * aggregate in Redis and every final rollup in ClickHouse (exact: distinct counts are exact), and
 * the raw row count. `ok` is false on any difference.
 */
export async function validate(expected: ExpectedAggregates, targets: ValidationTargets): Promise<ValidationReport> {
  const differences: string[] = [];
  const { windows } = expected;

  const values =
    windows.length === 0
      ? []
      : await targets.redis.mget(windows.map((w) => targets.keys.aggregate(w.view, '1m', w.dimension, w.windowStart)));
  windows.forEach((window, index) => {
    const json = values[index];
    const actual = json ? (JSON.parse(json) as Record<string, unknown>) : undefined;
    differences.push(
      ...differ(
        `redis ${window.view} ${window.dimension} @ ${new Date(window.windowStart).toISOString()}`,
        window,
        actual,
        (figure) => actual?.[figure],
      ),
    );
  });
  const redisDifferences = differences.length;

  const final = windows.filter((window) => window.windowStart + 60_000 <= targets.finalBeforeMs);
  const contents = [...new Set(windows.map((window) => window.contentId))];
  const rows =
    contents.length === 0
      ? []
      : await targets.clickhouse.queryRows<Record<string, string>>(
          `SELECT content_id, region, viewer_tier, toUInt64(window_start) * 1000 AS window_start_ms, ${Object.values(COLUMNS).join(', ')}
           FROM ${targets.database}.playback_minute FINAL
           WHERE content_id IN (${contents.map(quoteString).join(', ')})`,
        );
  const byWindow = new Map(
    rows.map((row) => [`${row.content_id}|${row.region}|${row.viewer_tier}@${row.window_start_ms}`, row]),
  );
  for (const window of final) {
    const row = byWindow.get(`${window.contentId}|${window.region}|${window.tier}@${window.windowStart}`);
    differences.push(
      ...differ(
        `clickhouse ${window.contentId} ${window.region}/${window.tier} @ ${new Date(window.windowStart).toISOString()}`,
        window,
        row,
        (figure) => row?.[COLUMNS[figure]],
      ),
    );
  }
  const rollupDifferences = differences.length - redisDifferences;

  const raw = await targets.clickhouse.queryRows<{ n: string }>(
    `SELECT count() AS n FROM ${targets.database}.playback_events FINAL WHERE source_topic = ${quoteString(expected.topic)}`,
  );
  const rawRows = Number(raw[0]?.n ?? 0);
  if (rawRows !== expected.events)
    differences.push(`clickhouse playback_events: ${rawRows} rows ≠ ${expected.events} produced`);

  const mark = (count: number) => (count === 0 ? '✓' : '✗');
  const lines = [
    `${mark(redisDifferences)} Redis: ${windows.length} minute aggregates (per content, per content and region, per content and tier), ${redisDifferences} differences`,
    `${mark(rollupDifferences)} ClickHouse playback_minute: ${final.length} final rollups, ${rollupDifferences} differences`,
    `${mark(rawRows === expected.events ? 0 : 1)} ClickHouse playback_events: ${rawRows.toLocaleString('en-US')} rows for ${expected.events.toLocaleString('en-US')} produced events`,
  ];
  return { ok: differences.length === 0, lines, differences };
}
