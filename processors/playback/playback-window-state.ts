import type { EntryChange, EntryKey, EntryLoggedValue } from '../api/entry-logged';
import type { CountedEvent, PlaybackSummary } from './playback-stats';
import { countEvent, countNewSession, extendRange, type Counters, type Flat } from './window-counters';

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
 *   ['w', sessionId]   [range weight, distinct weight] of a session seen through the sampler (absent: [1, 1])
 *   ['x', viewerId]    the distinct weight of a viewer seen through the sampler (absent: 1)
 *
 * Under overload the sampler (processors/sampler.ts) keeps a share of the viewers' heartbeats and,
 * as a last resort, of the viewers; every figure is then a Horvitz–Thompson estimate: an event
 * counts 1 / the probability it was kept with, a session or viewer counts once with 1 / the largest
 * such probability among its events, and a session's watch time counts 1 / p when its heartbeats
 * were kept and not at all when only its lifecycle events were. Counters hold the weighted sums;
 * summaries round the counts. With nothing sampled every weight is 1 and the figures are exact.
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

/** How an event kept by the sampler counts (processors/sampler.ts); absent for an event never sampled. */
export interface SampleMark {
  /** The probability the event was kept with: it counts 1 / keptWith. */
  keptWith: number;
  /** 1 / p when the event's unit had its heartbeats kept (its session's range is whole), else 0. */
  rangeWeight: number;
}

/** A session's [range weight, distinct weight]. */
type SessionWeights = [number, number];

/** Segment lengths in the flat entries: tag, value and the part's fields. */
const SESSION_SEGMENT = 5;
const STARTUP_SEGMENT = 3;
const VIEWER_SEGMENT = 2;

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
  /** Only sessions and viewers seen through the sampler with a weight other than 1. */
  private readonly sessionWeights = new Map<string, SessionWeights>();
  private readonly viewerWeights = new Map<string, number>();
  private readonly changedDimensions = new Set<Dimension>();
  private readonly changedSessions = new Set<string>();
  private readonly changedViewers = new Set<string>();
  private readonly changedStartups = new Set<number>();
  private readonly changedSessionWeights = new Set<string>();
  private readonly changedViewerWeights = new Set<string>();

  constructor(private readonly options: PlaybackWindowOptions) {}

  /** Adds one event (kept by the sampler with `mark`, or never sampled) and returns the state (aggregators return the aggregate). */
  add(event: CountedEvent, mark?: SampleMark): this {
    const dimensions = this.options.breakdowns
      ? [this.total, this.dimension('region', event.region), this.dimension('tier', event.viewerTier)]
      : [this.total];
    const weight = mark === undefined ? 1 : 1 / mark.keptWith;
    for (const dimension of dimensions) {
      countEvent(dimension.counters, event, weight);
      this.changedDimensions.add(dimension);
    }
    this.addToSession(event, dimensions, weight, mark?.rangeWeight ?? 1);
    this.addViewer(event.viewerId, dimensions, weight);
    if (event.eventType === 'start' && event.startupTimeMs !== null)
      this.addStartup(event.startupTimeMs, dimensions, weight);
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
    for (const id of this.changedSessionWeights) yield [['w', id], this.sessionWeights.get(id)];
    for (const id of this.changedViewerWeights) yield [['x', id], this.viewerWeights.get(id)];
    this.changedSessionWeights.clear();
    this.changedViewerWeights.clear();
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
      case 'w':
        restoreInto(this.sessionWeights, rest[0] as string, value as SessionWeights | undefined);
        break;
      case 'x':
        restoreInto(this.viewerWeights, rest[0] as string, value as number | undefined);
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

  private addToSession(
    event: CountedEvent,
    dimensions: readonly Dimension[],
    weight: number,
    rangeWeight: number,
  ): void {
    const id = event.sessionId;
    const rebuffered = event.eventType === 'buffering_end' ? 1 : 0;
    const position = event.positionMs;
    let session = this.sessions.get(id);
    let weights: SessionWeights | undefined;
    if (session) {
      weights = this.sessionWeights.size === 0 ? undefined : this.sessionWeights.get(id);
      if (weights !== undefined && weight < weights[1]) this.lowerSessionWeight(id, session, weights, weight);
      extendRange(this.total.counters, session, 0, position, rebuffered, weights?.[0] ?? 1, weight);
    } else {
      if (weight !== 1 || rangeWeight !== 1) {
        this.sessionWeights.set(id, (weights = [rangeWeight, weight]));
        this.changedSessionWeights.add(id);
      }
      if (dimensions.length === 3) {
        // The common case built in one literal: an array grown by push keeps spare capacity, and a
        // window can hold a million of these.
        const [, region, tier] = dimensions as [Dimension, Dimension, Dimension];
        this.sessions.set(id, [
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
        for (const dimension of dimensions) countNewSession(dimension.counters, rebuffered * weight, weight);
        this.changedSessions.add(id);
        return;
      }
      this.sessions.set(id, (session = [position, position, rebuffered]));
      countNewSession(this.total.counters, rebuffered * weight, weight);
    }
    for (let i = 1; i < dimensions.length; i += 1) {
      const dimension = dimensions[i] as Dimension;
      const at = segmentOf(session, 3, SESSION_SEGMENT, dimension.breakdown as Breakdown, dimension.value);
      if (at >= 0) extendRange(dimension.counters, session, at + 2, position, rebuffered, weights?.[0] ?? 1, weight);
      else {
        session.push(dimension.breakdown as Breakdown, dimension.value, position, position, rebuffered);
        countNewSession(dimension.counters, rebuffered * weight, weights?.[1] ?? 1);
      }
    }
    this.changedSessions.add(id);
  }

  /** A session seen again with a likelier event counts once with the larger probability: its distinct weight drops. */
  private lowerSessionWeight(id: string, session: Flat, weights: SessionWeights, weight: number): void {
    const change = weight - weights[1];
    this.total.counters.concurrentViewers += change;
    for (let at = 3; at < session.length; at += SESSION_SEGMENT)
      this.dimension(session[at] as Breakdown, session[at + 1] as string).counters.concurrentViewers += change;
    weights[1] = weight;
    this.changedSessionWeights.add(id);
  }

  private addViewer(viewerId: string, dimensions: readonly Dimension[], weight: number): void {
    const viewer = this.viewers.get(viewerId);
    let changed = false;
    if (viewer === undefined) {
      if (weight !== 1) {
        this.viewerWeights.set(viewerId, weight);
        this.changedViewerWeights.add(viewerId);
      }
      this.total.counters.uniqueViewers += weight;
      this.changedViewers.add(viewerId);
      if (dimensions.length === 1) {
        this.viewers.set(viewerId, 1);
        return;
      }
      const [, region, tier] = dimensions as [Dimension, Dimension, Dimension];
      this.viewers.set(viewerId, ['region', region.value, 'tier', tier.value]);
      region.counters.uniqueViewers += weight;
      tier.counters.uniqueViewers += weight;
      return;
    }
    const known = this.viewerWeights.size === 0 ? undefined : this.viewerWeights.get(viewerId);
    const distinct = known === undefined ? 1 : Math.min(known, weight);
    if (known !== undefined && distinct < known) {
      const change = distinct - known;
      this.total.counters.uniqueViewers += change;
      if (viewer !== 1)
        for (let at = 0; at < viewer.length; at += VIEWER_SEGMENT)
          this.dimension(viewer[at] as Breakdown, viewer[at + 1] as string).counters.uniqueViewers += change;
      this.viewerWeights.set(viewerId, distinct);
      this.changedViewerWeights.add(viewerId);
    }
    for (let i = 1; i < dimensions.length; i += 1) {
      const dimension = dimensions[i] as Dimension;
      const seen = viewer as Flat;
      if (segmentOf(seen, 0, VIEWER_SEGMENT, dimension.breakdown as Breakdown, dimension.value) >= 0) continue;
      seen.push(dimension.breakdown as Breakdown, dimension.value);
      dimension.counters.uniqueViewers += distinct;
      changed = true;
    }
    if (changed) this.changedViewers.add(viewerId);
  }

  private addStartup(ms: number, dimensions: readonly Dimension[], weight: number): void {
    this.total.percentiles = undefined;
    this.changedStartups.add(ms);
    const startup = this.startups.get(ms);
    if (dimensions.length === 1) {
      this.startups.set(ms, ((startup as number | undefined) ?? 0) + weight);
      return;
    }
    const counts = (startup as Flat | undefined) ?? [0];
    if (startup === undefined) this.startups.set(ms, counts);
    counts[0] = (counts[0] as number) + weight;
    for (let i = 1; i < dimensions.length; i += 1) {
      const dimension = dimensions[i] as Dimension;
      dimension.percentiles = undefined;
      const at = segmentOf(counts, 1, STARTUP_SEGMENT, dimension.breakdown as Breakdown, dimension.value);
      if (at >= 0) counts[at + 2] = (counts[at + 2] as number) + weight;
      else counts.push(dimension.breakdown as Breakdown, dimension.value, weight);
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
    // Sums of weights: whole numbers unless something was sampled, and then estimates, rounded.
    const errorsByCode: Record<string, number> = {};
    for (const code in c.errorsByCode) errorsByCode[code] = Math.round(c.errorsByCode[code] as number);
    return {
      starts: Math.round(c.starts),
      stops: Math.round(c.stops),
      concurrentViewers: Math.round(c.concurrentViewers),
      uniqueViewers: Math.round(c.uniqueViewers),
      watchTimeMs: Math.round(c.watchTimeMs),
      bufferingMs: Math.round(c.bufferingMs),
      bufferingRatio: c.watchTimeMs === 0 ? 0 : c.bufferingMs / c.watchTimeMs,
      sessionsWithRebuffer: Math.round(c.sessionsWithRebuffer),
      rebufferRate: c.concurrentViewers === 0 ? 0 : c.sessionsWithRebuffer / c.concurrentViewers,
      startupTimeP50Ms: dimension.percentiles[0],
      startupTimeP95Ms: dimension.percentiles[1],
      avgBitrateKbps: c.bitrateCount === 0 ? 0 : c.bitrateSum / c.bitrateCount,
      errors: Math.round(c.errors),
      errorsByCode,
      outsideRightsEvents: Math.round(c.outsideRightsEvents ?? 0),
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
