// Generated from schemas/avro/*.avsc by `npm run schemas:types`. Do not edit: edit the .avsc and regenerate.

export type PlaybackEventType = 'start' | 'heartbeat' | 'pause' | 'resume' | 'seek' | 'buffering_start' | 'buffering_end' | 'bitrate_change' | 'error' | 'stop' | 'unknown';

export type ViewerTier = 'premium' | 'standard' | 'basic';

/** One event from a player. Key: session id. Topic: playback.events (or one per tier lane). */
export interface PlaybackEvent {
  /** Unique per event (UUID); duplicates from player retries share it. */
  eventId: string;
  /** One playback session: from start to stop on one device. */
  sessionId: string;
  /** The account (or anonymous device) watching. */
  viewerId: string;
  /** The title, episode or live channel being played. */
  contentId: string;
  /** Set while watching a live event (a match, a concert). */
  liveEventId: null | string;
  eventType: PlaybackEventType;
  /** When it happened on the player (event time, epoch ms). */
  eventTimeMs: number;
  /** Playhead position in the content (ms). */
  positionMs: number;
  /** Current video bitrate (kbit/s). */
  bitrateKbps: number;
  /** On buffering_end: how long playback stalled (ms); 0 otherwise. */
  bufferingMs: number;
  /** On start: time to first frame (ms). */
  startupTimeMs: null | number;
  /** On error: the player's error code. */
  errorCode: null | string;
  /** tv, mobile, web, console, ... (free text: device kinds change faster than schemas). */
  deviceType: string;
  /** The viewer's region (rights and CDN), e.g. eu-west. */
  region: string;
  /** The CDN edge that served the stream. */
  cdnEdge: string;
  viewerTier: ViewerTier;
  /** Player application version. */
  appVersion: string;
}

export interface SeriesInfo {
  seriesId: string;
  seriesTitle: string;
  season: number;
  episode: number;
}

export interface RegionAvailability {
  region: string;
  startMs: number;
  /** null: no end. */
  endMs: null | number;
}

export interface Thumbnail {
  size: string;
  url: string;
}

/** The catalog's view of one content item. Key: content id. Topic: catalog.content (compacted; a null value deletes). The highest version wins. */
export interface ContentMetadata {
  contentId: string;
  /** Monotonically increasing per content id; an update with a lower version is stale. */
  version: number;
  title: string;
  /** Set for episodes; null for films and live channels. */
  series: null | SeriesInfo;
  genres: Array<string>;
  /** e.g. PG-13, 16+. */
  maturityRating: string;
  /** Where and when the content may be played; a region absent here may not play it. */
  availability: Array<RegionAvailability>;
  thumbnails: Array<Thumbnail>;
  updatedAtMs: number;
}

export type InvalidationTarget = 'key' | 'prefix' | 'content_id';

/** Tells caches to drop entries. Key: the cache key or content id. Topic: cache.invalidation (compacted). */
export interface CacheInvalidation {
  targetType: InvalidationTarget;
  /** A cache key, a key prefix, or a content id (every key of that content). */
  target: string;
  /** The version of the data after the change: a cache write older than this is stale. */
  version: number;
  /** Free text for operators, e.g. catalog-update. */
  reason: string;
  issuedAtMs: number;
}

export type HotnessTier = 'top1' | 'top10' | 'tail';

/** How hot a content is, overall or in one region, from decayed views. Key: contentId|region. Topic: content.hotness (compacted). */
export interface ContentHotness {
  contentId: string;
  /** A region code, or * for every region together. */
  region: string;
  /** 0–1: the content's decayed views over the hottest content's in the same region (or overall). */
  score: number;
  /** Views (session starts), each weighing half as much per half-life passed. */
  decayedViews: number;
  /** top1: the top 1 % of contents by decayed views; top10: the rest of the top 10 %; tail: the long tail. */
  tier: HotnessTier;
  /** 1 for the hottest content. */
  rank: number;
  /** How long a cache may keep this content's entries. */
  ttlHintMs: number;
  /** When it was ranked (wall clock). */
  computedAtMs: number;
  /** The event time the views were decayed to: of two hints, the later asOfMs is the current one (a replay of older events never overrides it). 0 in hints written before the field existed. */
  asOfMs: number;
}

/** The final aggregate of one minute for one content, region and tier: what the analytics path writes to ClickHouse playback_minute. */
export interface PlaybackMinuteRollup {
  windowStartMs: number;
  contentId: string;
  /** The catalog's title when the minute closed; null for content the catalog does not know. */
  title: null | string;
  /** The catalog's primary genre (its first) when the minute closed. */
  genre: null | string;
  /** A region, or '*' for all regions. */
  region: string;
  /** A tier, or '*' for all tiers. */
  viewerTier: string;
  starts: number;
  stops: number;
  /** Distinct sessions with any event in the minute. */
  concurrentViewers: number;
  /** Distinct viewer ids in the minute. */
  uniqueViewers: number;
  watchTimeMs: number;
  bufferingMs: number;
  /** bufferingMs / watchTimeMs (0 when nothing was watched). */
  bufferingRatio: number;
  sessionsWithRebuffer: number;
  /** sessionsWithRebuffer / concurrentViewers. */
  rebufferRate: number;
  startupTimeP50Ms: null | number;
  startupTimeP95Ms: null | number;
  avgBitrateKbps: number;
  errors: number;
  errorsByCode: Record<string, number>;
  /** Events from a region where the catalog says the content was not available at the event's time. */
  outsideRightsEvents: number;
}

/** What the real-time path's overload sampler kept, sampled out and shed of one viewer tier in one minute of event time, since its previous commit (a delta: the sums per minute and tier reconcile with what was produced). The historical path stores it in ClickHouse shed_ledger. */
export interface SampleLedgerEntry {
  minuteStartMs: number;
  /** The lane: a viewer tier. */
  viewerTier: string;
  /** Records passed on (lifecycle events and heartbeats of kept viewers). */
  kept: number;
  /** Heartbeats of viewers outside the sample. */
  sampledOut: number;
  /** Records of viewers shed whole (lifecycle events too). */
  shed: number;
}
