import type { EntryChange, EntryKey, EntryLoggedValue } from '../api/entry-logged';
import type { CountedEvent, PlaybackSummary } from './playback-stats';

/**
 * The playback statistics of one window for one group of events (a content, a live event), with
 * optional region and tier breakdowns — exact, and cheap to commit. The figures follow the
 * definitions in playback-stats.ts (the plain fold there is what this is tested against); here they
 * are kept as counters updated per event, so a summary never walks the window's sessions, and the
 * state is entry-logged (processors/api/entry-logged.ts): a commit logs the sessions, viewers and
 * counters that changed since the last one, not the whole window.
 *
 * Entries, as the changelog holds them (one record each):
 *   ['c'], ['c', 'region', r], ['c', 'tier', t]  the counters of the total and of each breakdown
 *   ['s', sessionId]   the session's playhead range and rebuffering, in total and per breakdown
 *   ['v', viewerId]    the breakdowns a viewer has been seen in (distinct viewers stay exact)
 *   ['u', startupMs]   how many starts had that startup time, in total and per breakdown
 *
 * A window can hold a million sessions, so each entry is one flat array (one allocation, a few
 * bytes of MessagePack): the total's part first, then one segment per breakdown value seen, tagged
 * with the breakdown and its value. A session normally stays in one region and tier (two segments);
 * any mix is still exact, it only makes the entry longer.
 *   session  [min, max, rebuffered, (breakdown, value, min, max, rebuffered)...]
 *   viewer   [(breakdown, value)...]            (a plain window: 1)
 *   startup  [count, (breakdown, value, count)...]
 */

type Breakdown = 'region' | 'tier';
type Flat = (number | string)[];

/** Segment lengths in the flat entries: tag, value and the part's fields. */
const SESSION_SEGMENT = 5;
const STARTUP_SEGMENT = 3;
const VIEWER_SEGMENT = 2;

interface Counters {
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

/** Where a breakdown value's segment starts in a flat entry (after `head` slots), or -1. */
function segmentOf(entry: Flat, head: number, stride: number, breakdown: Breakdown, value: string): number {
  for (let i = head; i < entry.length; i += stride) if (entry[i] === breakdown && entry[i + 1] === value) return i;
  return -1;
}

const BREAKDOWNS: readonly Breakdown[] = ['region', 'tier'];

/** One dimension (the total, or one region, or one tier): its counters and cached percentiles. */
class Dimension {
  counters: Counters = {
    starts: 0,
    stops: 0,
    errors: 0,
    errorsByCode: {},
    bufferingMs: 0,
    bitrateSum: 0,
    bitrateCount: 0,
    watchTimeMs: 0,
    concurrentViewers: 0,
    uniqueViewers: 0,
    sessionsWithRebuffer: 0,
    outsideRightsEvents: 0,
  };
  /** Startup percentiles, computed on demand and forgotten when a start arrives. */
  percentiles: [p50: number | null, p95: number | null] | undefined;

  constructor(
    readonly key: EntryKey,
    /** Where this dimension's part of an entry sits: the total, or one breakdown's value. */
    readonly breakdown: Breakdown | undefined,
    readonly value: string,
  ) {}

  /** This dimension's count in a startup entry. */
  startupsIn(entry: number | Flat): number {
    if (typeof entry === 'number') return this.breakdown === undefined ? entry : 0;
    if (this.breakdown === undefined) return entry[0] as number;
    const at = segmentOf(entry, 1, STARTUP_SEGMENT, this.breakdown, this.value);
    return at < 0 ? 0 : (entry[at + 2] as number);
  }
}

export interface PlaybackWindowOptions {
  /** Keep per-region and per-tier figures beside the total. */
  breakdowns: boolean;
}

export class PlaybackWindowState implements EntryLoggedValue {
  private readonly total = new Dimension(['c'], undefined, '*');
  private readonly byBreakdown: Record<Breakdown, Map<string, Dimension>> = { region: new Map(), tier: new Map() };
  private readonly sessions = new Map<string, Flat>();
  private readonly viewers = new Map<string, 1 | Flat>();
  private readonly startups = new Map<number, number | Flat>();
  private readonly changedDimensions = new Set<Dimension>();
  private readonly changedSessions = new Set<string>();
  private readonly changedViewers = new Set<string>();
  private readonly changedStartups = new Set<number>();

  constructor(private readonly options: PlaybackWindowOptions) {}

  /** Adds one event and returns the state (aggregators return the aggregate). */
  add(event: CountedEvent): this {
    const dimensions = this.options.breakdowns
      ? [this.total, this.dimension('region', event.region), this.dimension('tier', event.viewerTier)]
      : [this.total];
    for (const dimension of dimensions) {
      countEvent(dimension.counters, event);
      this.changedDimensions.add(dimension);
    }
    this.addToSession(event, dimensions);
    this.addViewer(event.viewerId, dimensions);
    if (event.eventType === 'start' && event.startupTimeMs !== null) this.addStartup(event.startupTimeMs, dimensions);
    return this;
  }

  summary(): PlaybackSummary {
    return this.summarize(this.total);
  }

  /** One summary per region (or tier) seen in the window. */
  breakdownSummaries(breakdown: Breakdown): [string, PlaybackSummary][] {
    return [...this.byBreakdown[breakdown]].map(([value, dimension]) => [value, this.summarize(dimension)]);
  }

  *takeChangedEntries(): Iterable<EntryChange> {
    for (const dimension of this.changedDimensions) yield [dimension.key, dimension.counters];
    for (const id of this.changedSessions) yield [['s', id], this.sessions.get(id)];
    for (const id of this.changedViewers) yield [['v', id], this.viewers.get(id)];
    for (const ms of this.changedStartups) yield [['u', ms], this.startups.get(ms)];
    this.changedDimensions.clear();
    this.changedSessions.clear();
    this.changedViewers.clear();
    this.changedStartups.clear();
  }

  restoreEntry(key: EntryKey, value: unknown): void {
    const [kind, ...rest] = key;
    switch (kind) {
      case 'c': {
        const [breakdown, name] = rest as [Breakdown | undefined, string | undefined];
        if (breakdown === undefined)
          this.total.counters = (value as Counters | undefined) ?? new Dimension([], undefined, '').counters;
        else if (value === undefined) this.byBreakdown[breakdown].delete(name as string);
        else this.dimension(breakdown, name as string).counters = value as Counters;
        break;
      }
      case 's':
        restoreInto(this.sessions, rest[0] as string, value as Flat | undefined);
        break;
      case 'v':
        restoreInto(this.viewers, rest[0] as string, value as 1 | Flat | undefined);
        break;
      case 'u':
        restoreInto(this.startups, rest[0] as number, value as number | Flat | undefined);
        this.forgetPercentiles();
        break;
      default:
        throw new Error(`playback window state: unknown entry kind ${String(kind)}`);
    }
  }

  private dimension(breakdown: Breakdown, value: string): Dimension {
    const dimensions = this.byBreakdown[breakdown];
    let dimension = dimensions.get(value);
    if (!dimension) dimensions.set(value, (dimension = new Dimension(['c', breakdown, value], breakdown, value)));
    return dimension;
  }

  private addToSession(event: CountedEvent, dimensions: readonly Dimension[]): void {
    const rebuffered = event.eventType === 'buffering_end' ? 1 : 0;
    const position = event.positionMs;
    let session = this.sessions.get(event.sessionId);
    if (session) extendRange(this.total.counters, session, 0, position, rebuffered);
    else if (dimensions.length === 3) {
      // The common case built in one literal: an array grown by push keeps spare capacity, and a
      // window can hold a million of these.
      const [, region, tier] = dimensions as [Dimension, Dimension, Dimension];
      this.sessions.set(event.sessionId, [
        position,
        position,
        rebuffered,
        'region',
        region.value,
        position,
        position,
        rebuffered,
        'tier',
        tier.value,
        position,
        position,
        rebuffered,
      ]);
      for (const dimension of dimensions) countNewSession(dimension.counters, rebuffered);
      this.changedSessions.add(event.sessionId);
      return;
    } else {
      this.sessions.set(event.sessionId, (session = [position, position, rebuffered]));
      countNewSession(this.total.counters, rebuffered);
    }
    for (let i = 1; i < dimensions.length; i += 1) {
      const dimension = dimensions[i] as Dimension;
      const at = segmentOf(session, 3, SESSION_SEGMENT, dimension.breakdown as Breakdown, dimension.value);
      if (at >= 0) extendRange(dimension.counters, session, at + 2, position, rebuffered);
      else {
        session.push(dimension.breakdown as Breakdown, dimension.value, position, position, rebuffered);
        countNewSession(dimension.counters, rebuffered);
      }
    }
    this.changedSessions.add(event.sessionId);
  }

  private addViewer(viewerId: string, dimensions: readonly Dimension[]): void {
    const viewer = this.viewers.get(viewerId);
    let changed = false;
    if (viewer === undefined) {
      this.total.counters.uniqueViewers += 1;
      this.changedViewers.add(viewerId);
      if (dimensions.length === 1) {
        this.viewers.set(viewerId, 1);
        return;
      }
      const [, region, tier] = dimensions as [Dimension, Dimension, Dimension];
      this.viewers.set(viewerId, ['region', region.value, 'tier', tier.value]);
      region.counters.uniqueViewers += 1;
      tier.counters.uniqueViewers += 1;
      return;
    }
    for (let i = 1; i < dimensions.length; i += 1) {
      const dimension = dimensions[i] as Dimension;
      const seen = viewer as Flat;
      if (segmentOf(seen, 0, VIEWER_SEGMENT, dimension.breakdown as Breakdown, dimension.value) >= 0) continue;
      seen.push(dimension.breakdown as Breakdown, dimension.value);
      dimension.counters.uniqueViewers += 1;
      changed = true;
    }
    if (changed) this.changedViewers.add(viewerId);
  }

  private addStartup(ms: number, dimensions: readonly Dimension[]): void {
    this.total.percentiles = undefined;
    this.changedStartups.add(ms);
    const startup = this.startups.get(ms);
    if (dimensions.length === 1) {
      this.startups.set(ms, ((startup as number | undefined) ?? 0) + 1);
      return;
    }
    const counts = (startup as Flat | undefined) ?? [0];
    if (startup === undefined) this.startups.set(ms, counts);
    counts[0] = (counts[0] as number) + 1;
    for (let i = 1; i < dimensions.length; i += 1) {
      const dimension = dimensions[i] as Dimension;
      dimension.percentiles = undefined;
      const at = segmentOf(counts, 1, STARTUP_SEGMENT, dimension.breakdown as Breakdown, dimension.value);
      if (at >= 0) counts[at + 2] = (counts[at + 2] as number) + 1;
      else counts.push(dimension.breakdown as Breakdown, dimension.value, 1);
    }
  }

  private forgetPercentiles(): void {
    this.total.percentiles = undefined;
    for (const breakdown of BREAKDOWNS)
      for (const dimension of this.byBreakdown[breakdown].values()) dimension.percentiles = undefined;
  }

  private summarize(dimension: Dimension): PlaybackSummary {
    const c = dimension.counters;
    dimension.percentiles ??= this.startupPercentiles(dimension);
    return {
      starts: c.starts,
      stops: c.stops,
      concurrentViewers: c.concurrentViewers,
      uniqueViewers: c.uniqueViewers,
      watchTimeMs: c.watchTimeMs,
      bufferingMs: c.bufferingMs,
      bufferingRatio: c.watchTimeMs === 0 ? 0 : c.bufferingMs / c.watchTimeMs,
      sessionsWithRebuffer: c.sessionsWithRebuffer,
      rebufferRate: c.concurrentViewers === 0 ? 0 : c.sessionsWithRebuffer / c.concurrentViewers,
      startupTimeP50Ms: dimension.percentiles[0],
      startupTimeP95Ms: dimension.percentiles[1],
      avgBitrateKbps: c.bitrateCount === 0 ? 0 : c.bitrateSum / c.bitrateCount,
      errors: c.errors,
      errorsByCode: { ...c.errorsByCode },
      outsideRightsEvents: c.outsideRightsEvents ?? 0,
    };
  }

  /** Nearest-rank p50 and p95 over the dimension's startup times (a histogram: one entry per distinct ms). */
  private startupPercentiles(dimension: Dimension): [number | null, number | null] {
    const histogram: [number, number][] = [];
    let total = 0;
    for (const [ms, startup] of this.startups) {
      const count = dimension.startupsIn(startup);
      if (count === 0) continue;
      histogram.push([ms, count]);
      total += count;
    }
    if (total === 0) return [null, null];
    histogram.sort((a, b) => a[0] - b[0]);
    return [
      rankOf(histogram, Math.max(1, Math.ceil(0.5 * total))),
      rankOf(histogram, Math.max(1, Math.ceil(0.95 * total))),
    ];
  }
}

function countEvent(counters: Counters, event: CountedEvent): void {
  switch (event.eventType) {
    case 'start':
      counters.starts += 1;
      break;
    case 'stop':
      counters.stops += 1;
      break;
    case 'error': {
      counters.errors += 1;
      const code = event.errorCode ?? 'unknown';
      counters.errorsByCode[code] = (counters.errorsByCode[code] ?? 0) + 1;
      break;
    }
    case 'buffering_end':
      counters.bufferingMs += event.bufferingMs;
      break;
    default:
      break;
  }
  if (event.bitrateKbps > 0) {
    counters.bitrateSum += event.bitrateKbps;
    counters.bitrateCount += 1;
  }
  if (event.outsideRights === true) counters.outsideRightsEvents = (counters.outsideRightsEvents ?? 0) + 1;
}

function countNewSession(counters: Counters, rebuffered: number): void {
  counters.concurrentViewers += 1;
  counters.sessionsWithRebuffer += rebuffered;
}

/**
 * Widens the range [min, max, rebuffered] at `at` in a session entry by one position, keeping the
 * dimension's watch time and rebuffer count current.
 */
function extendRange(counters: Counters, session: Flat, at: number, positionMs: number, rebuffered: number): void {
  const min = session[at] as number;
  const max = session[at + 1] as number;
  if (positionMs < min) {
    session[at] = positionMs;
    counters.watchTimeMs += min - positionMs;
  } else if (positionMs > max) {
    session[at + 1] = positionMs;
    counters.watchTimeMs += positionMs - max;
  }
  if (rebuffered > (session[at + 2] as number)) {
    session[at + 2] = rebuffered;
    counters.sessionsWithRebuffer += 1;
  }
}

function rankOf(histogram: readonly [number, number][], rank: number): number {
  let seen = 0;
  for (const [ms, count] of histogram) {
    seen += count;
    if (seen >= rank) return ms;
  }
  return (histogram.at(-1) as [number, number])[0];
}

function restoreInto<K, V>(map: Map<K, V>, key: K, value: V | undefined): void {
  if (value === undefined) map.delete(key);
  else map.set(key, value);
}
