import type { Windowed } from '../api/record';
import type { ContentLabels } from './content-labels';
import type { CheckedPlaybackEvent } from './content-rights';
import type { PlaybackSummary } from './playback-stats';
import type { PlaybackMinuteRollup, SampleLedgerEntry } from '../../schemas/types.generated';

/**
 * A window's final result for one region and tier ('*' = all), as the real-time path publishes it to
 * the rollups topic (schemas/avro/playback-minute-rollup.avsc) for the historical path to store.
 */
export function rollupRecord(
  window: Windowed<string>,
  region: string,
  tier: string,
  summary: PlaybackSummary,
  labels: ContentLabels,
): PlaybackMinuteRollup {
  return {
    windowStartMs: window.start,
    contentId: window.key,
    title: labels.title ?? null,
    genre: labels.genre ?? null,
    region,
    viewerTier: tier,
    starts: summary.starts,
    stops: summary.stops,
    concurrentViewers: summary.concurrentViewers,
    uniqueViewers: summary.uniqueViewers,
    watchTimeMs: summary.watchTimeMs,
    bufferingMs: summary.bufferingMs,
    bufferingRatio: summary.bufferingRatio,
    sessionsWithRebuffer: summary.sessionsWithRebuffer,
    rebufferRate: summary.rebufferRate,
    startupTimeP50Ms: summary.startupTimeP50Ms,
    startupTimeP95Ms: summary.startupTimeP95Ms,
    avgBitrateKbps: summary.avgBitrateKbps,
    errors: summary.errors,
    errorsByCode: { ...summary.errorsByCode },
    outsideRightsEvents: summary.outsideRightsEvents,
  };
}

/** One rollup row of ClickHouse playback_minute, from a rollup record (1-minute windows). */
export function rollupRow(rollup: PlaybackMinuteRollup) {
  const codes = Object.keys(rollup.errorsByCode).sort();
  return {
    window_start: Math.floor(rollup.windowStartMs / 1000),
    window_date: new Date(rollup.windowStartMs).toISOString().slice(0, 10),
    content_id: rollup.contentId,
    title: rollup.title ?? '',
    genre: rollup.genre ?? '',
    region: rollup.region,
    viewer_tier: rollup.viewerTier,
    starts: rollup.starts,
    stops: rollup.stops,
    concurrent_viewers: rollup.concurrentViewers,
    unique_viewers: rollup.uniqueViewers,
    watch_time_ms: rollup.watchTimeMs,
    buffering_ms: rollup.bufferingMs,
    buffering_ratio: rollup.bufferingRatio,
    sessions_with_rebuffer: rollup.sessionsWithRebuffer,
    rebuffer_rate: rollup.rebufferRate,
    startup_time_p50_ms: rollup.startupTimeP50Ms,
    startup_time_p95_ms: rollup.startupTimeP95Ms,
    avg_bitrate_kbps: rollup.avgBitrateKbps,
    errors: rollup.errors,
    error_codes: codes,
    error_counts: codes.map((code) => rollup.errorsByCode[code]),
    outside_rights_events: rollup.outsideRightsEvents,
    // The window's end: the same for every emission of the window, so a replayed row is identical.
    written_at: Math.floor(rollup.windowStartMs / 1000) + 60,
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

/** One row of ClickHouse shed_ledger, from a ledger entry of the real-time path's sampler. */
export function ledgerRow(entry: SampleLedgerEntry) {
  const minute = Math.floor(entry.minuteStartMs / 1000);
  return {
    minute,
    minute_date: new Date(entry.minuteStartMs).toISOString().slice(0, 10),
    viewer_tier: entry.viewerTier,
    kept: entry.kept,
    sampled_out: entry.sampledOut,
    shed: entry.shed,
    // The minute's end: the same for a replayed entry, so its row is identical.
    written_at: minute + 60,
  };
}
