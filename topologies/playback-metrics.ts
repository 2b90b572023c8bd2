import { Counter, Histogram } from 'prom-client';
import type { ContentLabels } from '../processors/playback/content-labels';
import type { CheckedPlaybackEvent } from '../processors/playback/content-rights';
import type { WeighedPlaybackEvent } from '../processors/playback/playback-sampling';
import type { PlaybackWindowState } from '../processors/playback/playback-window-state';
import type { WindowResult } from '../processors/api/record';
import type { SampleLedgerEntry } from '../processors/sampler';
import { metricsRegistry } from '../runtime/metrics';

/**
 * The playback pipeline's own metrics: what its alert rules watch (infra/prometheus/alerts.yml) —
 * the KPIs per region, the event rate per region (a region falling silent), the sampler's ledger and
 * events outside regional rights. Counted where the real-time path sees them; under sampling the
 * counts are weighted, as every figure is.
 */
const registers = [metricsRegistry];

const playbackEvents = new Counter({
  name: 'reelstream_playback_events_total',
  help: 'Playback events the real-time path counted, by region (weighted under overload sampling)',
  labelNames: ['region'],
  registers,
});

const startupSeconds = new Histogram({
  name: 'reelstream_playback_startup_seconds',
  help: 'Startup time of playback starts, by region',
  labelNames: ['region'],
  buckets: [0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5, 10],
  registers,
});

const minuteSessions = new Counter({
  name: 'reelstream_playback_minute_sessions_total',
  help: 'Sessions (concurrent viewers) of each closed minute, summed over contents, by region',
  labelNames: ['region'],
  registers,
});

const minuteRebufferedSessions = new Counter({
  name: 'reelstream_playback_minute_rebuffered_sessions_total',
  help: 'Sessions with a rebuffer in each closed minute, summed over contents, by region (÷ sessions = rebuffer rate)',
  labelNames: ['region'],
  registers,
});

const minuteWatchSeconds = new Counter({
  name: 'reelstream_playback_minute_watch_seconds_total',
  help: 'Watch time of each closed minute, summed over contents, by region',
  labelNames: ['region'],
  registers,
});

const minuteBufferingSeconds = new Counter({
  name: 'reelstream_playback_minute_buffering_seconds_total',
  help: 'Buffering time of each closed minute, summed over contents, by region (÷ watch time = buffering ratio)',
  labelNames: ['region'],
  registers,
});

const outsideRights = new Counter({
  name: 'reelstream_playback_outside_rights_total',
  help: "Playback events from a region where the catalog says the content was not available at the event's time",
  labelNames: ['region'],
  registers,
});

const ledgerRecords = new Counter({
  name: 'reelstream_playback_sample_ledger_records_total',
  help: 'Playback events the real-time path kept, sampled out and shed under overload control, by viewer tier and outcome',
  labelNames: ['tier', 'outcome'],
  registers,
});

/** One event of the real-time path, checked against the catalog. */
export function countPlaybackEvent(event: WeighedPlaybackEvent & CheckedPlaybackEvent): void {
  const weight = event.sample === undefined ? 1 : 1 / event.sample.keptWith;
  playbackEvents.inc({ region: event.region }, weight);
  if (event.outsideRights) outsideRights.inc({ region: event.region }, weight);
  if (event.eventType === 'start' && event.startupTimeMs !== null)
    startupSeconds.observe({ region: event.region }, event.startupTimeMs / 1000);
}

/** A content's closed minute: its per-region figures into the KPI counters. */
export function countClosedMinute({
  result,
}: {
  result: WindowResult<PlaybackWindowState>;
  labels: ContentLabels;
}): void {
  for (const [region, summary] of result.aggregate.breakdownSummaries('region')) {
    minuteSessions.inc({ region }, summary.concurrentViewers);
    minuteRebufferedSessions.inc({ region }, summary.sessionsWithRebuffer);
    minuteWatchSeconds.inc({ region }, summary.watchTimeMs / 1000);
    minuteBufferingSeconds.inc({ region }, summary.bufferingMs / 1000);
  }
}

export function countLedgerEntry(entry: SampleLedgerEntry): void {
  ledgerRecords.inc({ tier: entry.lane, outcome: 'kept' }, entry.kept);
  ledgerRecords.inc({ tier: entry.lane, outcome: 'sampled-out' }, entry.sampledOut);
  ledgerRecords.inc({ tier: entry.lane, outcome: 'shed' }, entry.shed);
}
