import type { EventTimeRange } from '../runtime/task/stream-task';

/**
 * `reelstream replay <topology> --from <time> [--to <time>]`: the topology processes the input
 * records of an event-time range once more, into the same sinks, under an application id of its own
 * (the live application keeps running), with fresh state. No double counting, because:
 * - the range is whole minutes (widened to them), so every window in it is recomputed whole — all of
 *   its events are read, none outside it is counted — and written whole, never added to;
 * - the sinks write idempotently: a window's value (Redis), rows by their identity behind
 *   ReplacingMergeTree (ClickHouse, exact reads with FINAL);
 * - records outside the range are dropped before they move stream time: one read from after the
 *   range, while another partition still holds the range's last events, would make those late;
 * - once the whole range is read (the repartitioned records too), the last commit moves stream time
 *   past every grace, so the range's last windows close and their final results (rollups) are
 *   rewritten like the others'.
 * Records are read from the first offset stamped at or after `from` minus LATE_MS (a record stamped
 * earlier than its event time minus that is missed) up to the end of each partition at the start.
 */
export const LATE_MS = 5 * 60_000;
const MINUTE_MS = 60_000;

/** What a replay of one topology needs set: its application id, and topics of its own for what it must not add to. */
export interface Replayable {
  /** The environment variable naming the topology's application id. */
  applicationEnv: string;
  /**
   * Outputs a replay must not write where the live application does, by the environment variable
   * naming the topic: the sampler's ledger counts deltas, so a replay would count them twice.
   */
  privateTopics: string[];
}

export const REPLAYABLE: Readonly<Record<string, Replayable>> = {
  'playback-analytics': { applicationEnv: 'PLAYBACK_APP', privateTopics: ['PLAYBACK_SAMPLE_LEDGER_TOPIC'] },
  'playback-history': { applicationEnv: 'PLAYBACK_HISTORY_APP', privateTopics: [] },
  'content-views': { applicationEnv: 'CONTENT_VIEWS_APP', privateTopics: [] },
};

/**
 * A replay's `--from` or `--to`: an ISO time, or offsets — one for every input partition (`120000`)
 * or by partition number (`0:1200,1:980`, for every input topic; partitions not named do not
 * bound the range). An offset stands for the timestamp of the first record at or after it, so the
 * range stays one of event time and its windows are recomputed whole.
 */
export type ReplayPoint =
  | { kind: 'time'; ms: number }
  | { kind: 'offsets'; everyPartition: number }
  | { kind: 'offsets'; byPartition: ReadonlyMap<number, number> };

export function parseReplayPoint(option: string, value: string): ReplayPoint {
  if (/^\d+$/.test(value)) return { kind: 'offsets', everyPartition: Number(value) };
  if (/^\d+:\d+(,\d+:\d+)*$/.test(value)) {
    const byPartition = new Map<number, number>();
    for (const pair of value.split(',')) {
      const [partition, offset] = pair.split(':').map(Number) as [number, number];
      if (byPartition.has(partition))
        throw new RangeError(`${option}: partition ${partition} is named twice in "${value}"`);
      byPartition.set(partition, offset);
    }
    return { kind: 'offsets', byPartition };
  }
  // ISO dates only: Date.parse also takes "-5" (the year 5 BC) and "Dec 6" (of 2001).
  const ms = /^\d{4}-\d{2}-\d{2}([T ].*)?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new RangeError(
      `${option} must be an ISO time (2026-12-06T10:00:00Z), an offset for every input partition (120000) or offsets by partition (0:1200,1:980), not "${value}"`,
    );
  return { kind: 'time', ms };
}

/** The range widened to whole minutes; `to` defaults to the start of the current minute (still live). */
export function replayRange(fromMs: number, toMs: number | undefined, nowMs = Date.now()): EventTimeRange {
  const range = {
    fromMs: Math.floor(fromMs / MINUTE_MS) * MINUTE_MS,
    toMs: Math.ceil((toMs ?? Math.floor(nowMs / MINUTE_MS) * MINUTE_MS) / MINUTE_MS) * MINUTE_MS,
  };
  if (!(range.toMs > range.fromMs))
    throw new RangeError(
      `replay: --to (${new Date(range.toMs).toISOString()}) must be after --from (${new Date(range.fromMs).toISOString()})`,
    );
  return range;
}

export interface ReplayPartition {
  topic: string;
  partition: number;
  /** First offset read. */
  from: number;
  /** The partition's end at the start: read up to it (exclusive). */
  to: number;
}

export interface ReplayPlan {
  topology: string;
  application: string;
  range: EventTimeRange;
  partitions: ReplayPartition[];
  records: number;
}

export function describeReplayPlan(plan: ReplayPlan): string[] {
  return [
    `replay of ${plan.topology} as application ${plan.application}: event time [${new Date(plan.range.fromMs).toISOString()}, ${new Date(plan.range.toMs).toISOString()})`,
    ...plan.partitions.map(({ topic, partition, from, to }) => `  read ${topic}[${partition}] offsets ${from} → ${to}`),
    `  ${plan.records} records to read; those outside the range are read and dropped`,
  ];
}
