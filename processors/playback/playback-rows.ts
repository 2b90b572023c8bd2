import type { Windowed } from '../api/record';
import type { ContentLabels } from './content-labels';
import type { CheckedPlaybackEvent } from './content-rights';
import type { PlaybackSummary } from './playback-stats';

/** One rollup row (schemas/avro/playback-minute-rollup.avsc, ClickHouse playback_minute). */
export function rollupRow(
  window: Windowed<string>,
  region: string,
  tier: string,
  summary: PlaybackSummary,
  labels: ContentLabels,
) {
  const codes = Object.keys(summary.errorsByCode).sort();
  return {
    window_start: Math.floor(window.start / 1000),
    window_date: new Date(window.start).toISOString().slice(0, 10),
    content_id: window.key,
    title: labels.title ?? '',
    genre: labels.genre ?? '',
    region,
    viewer_tier: tier,
    starts: summary.starts,
    stops: summary.stops,
    concurrent_viewers: summary.concurrentViewers,
    unique_viewers: summary.uniqueViewers,
    watch_time_ms: summary.watchTimeMs,
    buffering_ms: summary.bufferingMs,
    buffering_ratio: summary.bufferingRatio,
    sessions_with_rebuffer: summary.sessionsWithRebuffer,
    rebuffer_rate: summary.rebufferRate,
    startup_time_p50_ms: summary.startupTimeP50Ms,
    startup_time_p95_ms: summary.startupTimeP95Ms,
    avg_bitrate_kbps: summary.avgBitrateKbps,
    errors: summary.errors,
    error_codes: codes,
    error_counts: codes.map((code) => summary.errorsByCode[code]),
    outside_rights_events: summary.outsideRightsEvents,
    written_at: Math.floor(window.end / 1000),
  };
}

/** One raw row (ClickHouse playback_events). */
export function eventRow(event: CheckedPlaybackEvent) {
  return {
    event_date: new Date(event.eventTimeMs).toISOString().slice(0, 10),
    event_time: Math.floor(event.eventTimeMs / 1000),
    event_time_ms: event.eventTimeMs,
    event_id: event.eventId,
    session_id: event.sessionId,
    viewer_id: event.viewerId,
    content_id: event.contentId,
    live_event_id: event.liveEventId,
    event_type: event.eventType,
    position_ms: event.positionMs,
    bitrate_kbps: event.bitrateKbps,
    buffering_ms: event.bufferingMs,
    startup_time_ms: event.startupTimeMs,
    error_code: event.errorCode,
    device_type: event.deviceType,
    region: event.region,
    cdn_edge: event.cdnEdge,
    viewer_tier: event.viewerTier,
    app_version: event.appVersion,
    outside_rights: event.outsideRights ? 1 : 0,
    sample_weight: 1,
    ingested_at: Math.floor(event.eventTimeMs / 1000),
  };
}
