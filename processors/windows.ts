import { toMillis, type Duration } from './duration';

/**
 * Window definitions (after Kafka Streams' TimeWindows and SessionWindows). Every window has a grace
 * period: a record up to `grace` behind stream time still updates its window; after that the window
 * is closed, its final result emitted, and later records for it are reported late.
 */
export interface TimeWindowSpec {
  readonly kind: 'tumbling' | 'hopping';
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;
}

export interface SessionWindowSpec {
  readonly kind: 'session';
  readonly gapMs: number;
  readonly graceMs: number;
}

export type WindowSpec = TimeWindowSpec | SessionWindowSpec;

/** The starts of every window of `spec` containing `timestamp` (one for tumbling, size/advance for hopping). */
export function windowStartsFor(spec: TimeWindowSpec, timestamp: number): number[] {
  const lastStart = timestamp - (((timestamp % spec.advanceMs) + spec.advanceMs) % spec.advanceMs);
  const starts: number[] = [];
  for (let start = lastStart; start > timestamp - spec.sizeMs; start -= spec.advanceMs) starts.push(start);
  return starts.reverse();
}

/** A time window is closed once stream time has passed its end plus the grace period. */
export function isWindowClosed(windowEnd: number, graceMs: number, streamTime: number): boolean {
  return windowEnd + graceMs <= streamTime;
}

class TimeWindowBuilder implements TimeWindowSpec {
  constructor(
    readonly kind: 'tumbling' | 'hopping',
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {
    if (sizeMs <= 0) throw new RangeError('window size must be positive');
    if (advanceMs <= 0 || advanceMs > sizeMs) throw new RangeError('hop must be positive and at most the window size');
  }

  grace(duration: Duration): TimeWindowBuilder {
    return new TimeWindowBuilder(this.kind, this.sizeMs, this.advanceMs, toMillis(duration, 'grace'));
  }
}

class HoppingWindowStart {
  constructor(private readonly sizeMs: number) {}

  advanceBy(duration: Duration): TimeWindowBuilder {
    return new TimeWindowBuilder('hopping', this.sizeMs, toMillis(duration, 'hop'), 0);
  }
}

class SessionWindowBuilder implements SessionWindowSpec {
  readonly kind = 'session' as const;

  constructor(
    readonly gapMs: number,
    readonly graceMs: number,
  ) {
    if (gapMs <= 0) throw new RangeError('session inactivity gap must be positive');
  }

  grace(duration: Duration): SessionWindowBuilder {
    return new SessionWindowBuilder(this.gapMs, toMillis(duration, 'grace'));
  }
}

/** Fixed, non-overlapping windows: `tumbling('1m').grace('30s')`. */
export function tumbling(size: Duration): TimeWindowBuilder {
  const sizeMs = toMillis(size, 'window size');
  return new TimeWindowBuilder('tumbling', sizeMs, sizeMs, 0);
}

/** Overlapping windows: `hopping('5m').advanceBy('1m').grace('30s')`. */
export function hopping(size: Duration): HoppingWindowStart {
  return new HoppingWindowStart(toMillis(size, 'window size'));
}

/** Activity sessions that close after `gap` without events: `session('30m').grace('1m')`. */
export function session(gap: Duration): SessionWindowBuilder {
  return new SessionWindowBuilder(toMillis(gap, 'inactivity gap'), 0);
}
