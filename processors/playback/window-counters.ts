import type { CountedEvent } from './playback-stats';

/**
 * The counters of one dimension of a playback window (the total, a region, a tier) and how one
 * event moves them, weighted as playback-window-state.ts explains: a sampled event counts its
 * weight, a session's watch time its range weight.
 */

/** A flat entry of the window state: one array per session, viewer or startup time. */
export type Flat = (number | string)[];

export interface Counters {
  starts: number;
  stops: number;
  errors: number;
  errorsByCode: Record<string, number>;
  bufferingMs: number;
  bitrateSum: number;
  bitrateCount: number;
  watchTimeMs: number;
  concurrentViewers: number;
  uniqueViewers: number;
  sessionsWithRebuffer: number;
  /** Absent in counters logged before it was counted: read as 0. */
  outsideRightsEvents?: number;
}

export function countEvent(counters: Counters, event: CountedEvent, weight: number): void {
  switch (event.eventType) {
    case 'start':
      counters.starts += weight;
      break;
    case 'stop':
      counters.stops += weight;
      break;
    case 'error': {
      counters.errors += weight;
      const code = event.errorCode ?? 'unknown';
      counters.errorsByCode[code] = (counters.errorsByCode[code] ?? 0) + weight;
      break;
    }
    case 'buffering_end':
      counters.bufferingMs += event.bufferingMs * weight;
      break;
    default:
      break;
  }
  if (event.bitrateKbps > 0) {
    counters.bitrateSum += event.bitrateKbps * weight;
    counters.bitrateCount += weight;
  }
  if (event.outsideRights === true) counters.outsideRightsEvents = (counters.outsideRightsEvents ?? 0) + weight;
}

export function countNewSession(counters: Counters, rebuffered: number, distinctWeight: number): void {
  counters.concurrentViewers += distinctWeight;
  counters.sessionsWithRebuffer += rebuffered;
}

/**
 * Widens the range [min, max, rebuffered] at `at` in a session entry by one position, keeping the
 * dimension's watch time (weighted by the session's range weight) and rebuffer count (by the
 * event's weight) current.
 */
export function extendRange(
  counters: Counters,
  session: Flat,
  at: number,
  positionMs: number,
  rebuffered: number,
  rangeWeight: number,
  weight: number,
): void {
  const min = session[at] as number;
  const max = session[at + 1] as number;
  if (positionMs < min) {
    session[at] = positionMs;
    counters.watchTimeMs += (min - positionMs) * rangeWeight;
  } else if (positionMs > max) {
    session[at + 1] = positionMs;
    counters.watchTimeMs += (positionMs - max) * rangeWeight;
  }
  if (rebuffered > (session[at + 2] as number)) {
    session[at + 2] = rebuffered;
    counters.sessionsWithRebuffer += weight;
  }
}
