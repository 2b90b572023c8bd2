import type { ContentMetadata, PlaybackEvent } from '../schemas/types.generated';
import { RESOLUTION_MS, windowStartOf, type Resolution } from '../sinks/redis/keys';

/**
 * The figures `reelstream validate` checks per window: per minute for a content in total (view
 * `content`, region and tier '*'), per region (`content-region`) and per tier (`content-tier`); per
 * 10 seconds for a content (the "now" view); per minute for a live event (view `live`).
 */
export interface ExpectedWindow {
  view: 'content' | 'content-region' | 'content-tier' | 'live';
  resolution: Resolution;
  /** The Redis key's dimension: the content id, `contentId|region`, `contentId|tier`, or the live event id. */
  dimension: string;
  /** '*' for the live view (a live event's audience, whatever it watches). */
  contentId: string;
  region: string;
  tier: string;
  windowStart: number;
  starts: number;
  stops: number;
  errors: number;
  concurrentViewers: number;
  uniqueViewers: number;
  watchTimeMs: number;
  bufferingMs: number;
  /** Absent in files written before they were expected: validate then skips them. */
  bufferingRatio?: number;
  sessionsWithRebuffer?: number;
  rebufferRate?: number;
  startupTimeP50Ms?: number | null;
  startupTimeP95Ms?: number | null;
  avgBitrateKbps?: number;
  errorsByCode?: Record<string, number>;
  /** Events from a region the catalog did not license at their time (0 without a catalog). */
  outsideRightsEvents?: number;
  /** The catalog's title and primary genre; content views of a run with a catalog only. */
  title?: string | null;
  genre?: string | null;
}

export interface ExpectedAggregates {
  topic: string;
  /** The topics the events were written to: `topic`, or its tier lanes. Absent in files written before lanes. */
  topics?: string[];
  events: number;
  /** The latest event time produced: stream time reaches it, so windows ending a grace before it are final. */
  lastEventTimeMs: number;
  windows: ExpectedWindow[];
}

interface Accumulator {
  starts: number;
  stops: number;
  errors: number;
  bufferingMs: number;
  sessions: Map<string, [number, number]>;
  viewers: Set<string>;
  rebufferedSessions: Set<string>;
  startupTimes: number[];
  bitrateSum: number;
  bitrateCount: number;
  errorsByCode: Map<string, number>;
  outsideRightsEvents: number;
}

/** Nearest rank: the smallest value with at least p of all values at or below it; null for none. */
function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const ascending = values.slice().sort((a, b) => a - b);
  const rank = Math.ceil(p * ascending.length);
  return ascending[Math.min(ascending.length, Math.max(1, rank)) - 1] as number;
}

/**
 * Computes, while the simulator produces, what the pipeline must show — written independently of
 * the topology's aggregation code (processors/playback), from the same definitions, so that a
 * mistake in either shows up as a difference. With the catalog the pipeline joins (read in full
 * before the first event), it also expects titles, genres and the events outside regional rights.
 */
export class ExpectedCollector {
  private readonly windows = new Map<string, Accumulator>();
  private events = 0;
  private lastEventTimeMs = 0;

  constructor(private readonly catalog?: ReadonlyMap<string, ContentMetadata>) {}

  /** Outside rights: the catalog knows the content, and no window of the event's region holds its time. */
  private outsideRights({ contentId, region, eventTimeMs }: PlaybackEvent): boolean {
    const metadata = this.catalog?.get(contentId);
    if (!metadata) return false;
    const licensed = metadata.availability.find(
      (window) =>
        window.region === region &&
        eventTimeMs >= window.startMs &&
        (window.endMs === null || eventTimeMs < window.endMs),
    );
    return licensed === undefined;
  }

  add(event: PlaybackEvent): void {
    this.events += 1;
    this.lastEventTimeMs = Math.max(this.lastEventTimeMs, event.eventTimeMs);
    const { contentId, region, viewerTier: tier, liveEventId } = event;
    const outsideRights = this.outsideRights(event);
    const groups: [ExpectedWindow['view'], Resolution, string, string, string, string][] = [
      ['content', '1m', contentId, contentId, '*', '*'],
      ['content-region', '1m', `${contentId}|${region}`, contentId, region, '*'],
      ['content-tier', '1m', `${contentId}|${tier}`, contentId, '*', tier],
      ['content', '10s', contentId, contentId, '*', '*'],
    ];
    if (liveEventId !== null) groups.push(['live', '1m', liveEventId, '*', '*', '*']);
    for (const [view, resolution, dimension, content, inRegion, inTier] of groups) {
      const windowStart = windowStartOf(event.eventTimeMs, resolution);
      this.addTo(
        [view, resolution, dimension, content, inRegion, inTier, windowStart].join('\u0000'),
        event,
        outsideRights,
      );
    }
  }

  private addTo(id: string, event: PlaybackEvent, outsideRights: boolean): void {
    let window = this.windows.get(id);
    if (!window) {
      window = {
        starts: 0,
        stops: 0,
        errors: 0,
        bufferingMs: 0,
        sessions: new Map(),
        viewers: new Set(),
        rebufferedSessions: new Set(),
        startupTimes: [],
        bitrateSum: 0,
        bitrateCount: 0,
        errorsByCode: new Map(),
        outsideRightsEvents: 0,
      };
      this.windows.set(id, window);
    }
    if (outsideRights) window.outsideRightsEvents += 1;
    if (event.eventType === 'start') {
      window.starts += 1;
      if (event.startupTimeMs !== null) window.startupTimes.push(event.startupTimeMs);
    }
    if (event.eventType === 'stop') window.stops += 1;
    if (event.eventType === 'error') {
      window.errors += 1;
      const code = event.errorCode ?? 'unknown';
      window.errorsByCode.set(code, (window.errorsByCode.get(code) ?? 0) + 1);
    }
    if (event.eventType === 'buffering_end') {
      window.bufferingMs += event.bufferingMs;
      window.rebufferedSessions.add(event.sessionId);
    }
    if (event.bitrateKbps > 0) {
      window.bitrateSum += event.bitrateKbps;
      window.bitrateCount += 1;
    }
    const range = window.sessions.get(event.sessionId);
    if (range) {
      range[0] = Math.min(range[0], event.positionMs);
      range[1] = Math.max(range[1], event.positionMs);
    } else window.sessions.set(event.sessionId, [event.positionMs, event.positionMs]);
    window.viewers.add(event.viewerId);
  }

  /** A content view's title and primary genre, when the run has a catalog. */
  private labelsOf(view: ExpectedWindow['view'], contentId: string): Pick<ExpectedWindow, 'title' | 'genre'> {
    if (!this.catalog || view === 'live') return {};
    const metadata = this.catalog.get(contentId);
    return { title: metadata?.title ?? null, genre: metadata?.genres[0] ?? null };
  }

  /** Windows that ended at or before `closedBeforeMs` (later ones may still receive events). */
  result(
    topic: string,
    writtenTo: readonly string[] = [topic],
    closedBeforeMs = Number.POSITIVE_INFINITY,
  ): ExpectedAggregates {
    const windows: ExpectedWindow[] = [];
    for (const [id, window] of this.windows) {
      const [view, resolution, dimension, contentId, region, tier, start] = id.split('\u0000') as [
        ExpectedWindow['view'],
        Resolution,
        string,
        string,
        string,
        string,
        string,
      ];
      const windowStart = Number(start);
      if (windowStart + RESOLUTION_MS[resolution] > closedBeforeMs) continue;
      let watchTimeMs = 0;
      for (const [min, max] of window.sessions.values()) watchTimeMs += max - min;
      windows.push({
        view,
        resolution,
        dimension,
        contentId,
        region,
        tier,
        windowStart,
        starts: window.starts,
        stops: window.stops,
        errors: window.errors,
        concurrentViewers: window.sessions.size,
        uniqueViewers: window.viewers.size,
        watchTimeMs,
        bufferingMs: window.bufferingMs,
        bufferingRatio: watchTimeMs === 0 ? 0 : window.bufferingMs / watchTimeMs,
        sessionsWithRebuffer: window.rebufferedSessions.size,
        rebufferRate: window.sessions.size === 0 ? 0 : window.rebufferedSessions.size / window.sessions.size,
        startupTimeP50Ms: nearestRank(window.startupTimes, 0.5),
        startupTimeP95Ms: nearestRank(window.startupTimes, 0.95),
        avgBitrateKbps: window.bitrateCount === 0 ? 0 : window.bitrateSum / window.bitrateCount,
        errorsByCode: Object.fromEntries([...window.errorsByCode].sort(([a], [b]) => a.localeCompare(b))),
        outsideRightsEvents: window.outsideRightsEvents,
        ...this.labelsOf(view, contentId),
      });
    }
    windows.sort(
      (a, b) =>
        a.windowStart - b.windowStart ||
        a.view.localeCompare(b.view) ||
        a.resolution.localeCompare(b.resolution) ||
        a.dimension.localeCompare(b.dimension),
    );
    return { topic, topics: [...writtenTo], events: this.events, lastEventTimeMs: this.lastEventTimeMs, windows };
  }
}
