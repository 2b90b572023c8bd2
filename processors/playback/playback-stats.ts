import type { PlaybackEvent } from '../../schemas/types.generated';

/**
 * What the playback statistics of one window mean, written as the plainest possible fold over the
 * window's events. The pipeline keeps them incrementally in PlaybackWindowState
 * (playback-window-state.ts), which is tested to equal this fold; the simulator's expected values
 * and the ClickHouse views follow the same definitions.
 *
 * Definitions:
 * - concurrent viewers: distinct sessions with any event in the window;
 * - unique viewers: distinct viewer ids;
 * - watch time: per session, the playhead advance within the window (max − min position);
 * - buffering ratio: buffering ms (from buffering_end events) / watch time ms (0 if none watched);
 * - rebuffer rate: sessions with a buffering_end in the window / concurrent viewers;
 * - startup time p50/p95: nearest rank over the window's start events' startup times;
 * - average bitrate: mean bitrateKbps over events that report one (> 0);
 * - outside-rights events: events whose region could not play the content at their time, as the
 *   catalog said when they were processed (content-rights.ts).
 */
/** An event as the statistics count it: checked against the catalog (content-rights.ts) or not; unchecked is inside rights. */
export type CountedEvent = PlaybackEvent & { outsideRights?: boolean };

export interface PlaybackStats {
  starts: number;
  stops: number;
  errors: number;
  errorsByCode: Record<string, number>;
  /** session id → [min position, max position, rebuffered 0|1] */
  sessions: Record<string, [number, number, number]>;
  viewers: Record<string, 1>;
  bufferingMs: number;
  bitrateSum: number;
  bitrateCount: number;
  startupTimes: number[];
  outsideRightsEvents: number;
}

export function emptyStats(): PlaybackStats {
  return {
    starts: 0,
    stops: 0,
    errors: 0,
    errorsByCode: {},
    sessions: {},
    viewers: {},
    bufferingMs: 0,
    bitrateSum: 0,
    bitrateCount: 0,
    startupTimes: [],
    outsideRightsEvents: 0,
  };
}

/** Adds one event in place (the aggregate is the store's own copy) and returns it. */
export function addEvent(stats: PlaybackStats, event: CountedEvent): PlaybackStats {
  switch (event.eventType) {
    case 'start':
      stats.starts += 1;
      if (event.startupTimeMs !== null) stats.startupTimes.push(event.startupTimeMs);
      break;
    case 'stop':
      stats.stops += 1;
      break;
    case 'error': {
      stats.errors += 1;
      const code = event.errorCode ?? 'unknown';
      stats.errorsByCode[code] = (stats.errorsByCode[code] ?? 0) + 1;
      break;
    }
    case 'buffering_end':
      stats.bufferingMs += event.bufferingMs;
      break;
    default:
      break;
  }
  const session = stats.sessions[event.sessionId];
  const rebuffered = event.eventType === 'buffering_end' ? 1 : 0;
  if (session) {
    session[0] = Math.min(session[0], event.positionMs);
    session[1] = Math.max(session[1], event.positionMs);
    session[2] = Math.max(session[2], rebuffered);
  } else {
    stats.sessions[event.sessionId] = [event.positionMs, event.positionMs, rebuffered];
  }
  stats.viewers[event.viewerId] = 1;
  if (event.bitrateKbps > 0) {
    stats.bitrateSum += event.bitrateKbps;
    stats.bitrateCount += 1;
  }
  if (event.outsideRights === true) stats.outsideRightsEvents += 1;
  return stats;
}

/** What dashboards and rollups show: the definitions above, computed. */
export interface PlaybackSummary {
  starts: number;
  stops: number;
  concurrentViewers: number;
  uniqueViewers: number;
  watchTimeMs: number;
  bufferingMs: number;
  bufferingRatio: number;
  sessionsWithRebuffer: number;
  rebufferRate: number;
  startupTimeP50Ms: number | null;
  startupTimeP95Ms: number | null;
  avgBitrateKbps: number;
  errors: number;
  errorsByCode: Record<string, number>;
  outsideRightsEvents: number;
}

/** Nearest-rank percentile (p in (0, 1]) of unsorted values; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
}

export function summarize(stats: PlaybackStats): PlaybackSummary {
  let watchTimeMs = 0;
  let sessionsWithRebuffer = 0;
  let concurrentViewers = 0;
  for (const id in stats.sessions) {
    const [min, max, rebuffered] = stats.sessions[id] as [number, number, number];
    watchTimeMs += max - min;
    sessionsWithRebuffer += rebuffered;
    concurrentViewers += 1;
  }
  return {
    starts: stats.starts,
    stops: stats.stops,
    concurrentViewers,
    uniqueViewers: Object.keys(stats.viewers).length,
    watchTimeMs,
    bufferingMs: stats.bufferingMs,
    bufferingRatio: watchTimeMs === 0 ? 0 : stats.bufferingMs / watchTimeMs,
    sessionsWithRebuffer,
    rebufferRate: concurrentViewers === 0 ? 0 : sessionsWithRebuffer / concurrentViewers,
    startupTimeP50Ms: percentile(stats.startupTimes, 0.5),
    startupTimeP95Ms: percentile(stats.startupTimes, 0.95),
    avgBitrateKbps: stats.bitrateCount === 0 ? 0 : stats.bitrateSum / stats.bitrateCount,
    errors: stats.errors,
    errorsByCode: { ...stats.errorsByCode },
    outsideRightsEvents: stats.outsideRightsEvents,
  };
}
