import type { Windowed, WindowResult } from '../processors/api/record';
import { catalogTableOptions } from '../processors/catalog/catalog-table';
import { labelsOf, type ContentLabels } from '../processors/playback/content-labels';
import { checkRights } from '../processors/playback/content-rights';
import { playbackSource } from '../processors/playback/tier-lanes';
import { rollupRecord } from '../processors/playback/playback-rows';
import { PlaybackWindowState } from '../processors/playback/playback-window-state';
import {
  parseShedPolicy,
  PLAYBACK_SAMPLED_LANES,
  PLAYBACK_SAMPLING,
  weighed,
} from '../processors/playback/playback-sampling';
import type { SampleLedgerEntry } from '../processors/sampler';
import type { Duration } from '../processors/duration';
import { avroTopic, defineTopology, redisWindows, tumbling } from '../runtime/dsl';
import { countClosedMinute, countLedgerEntry, countPlaybackEvent } from './playback-metrics';
import type {
  ContentMetadata,
  PlaybackEvent,
  SampleLedgerEntry as SampleLedgerEntryRecord,
} from '../schemas/types.generated';

/**
 * The pipeline's real-time path: playback events → live windowed statistics in Redis, and each
 * window's final result on the rollups topic. playback-history.ts is the historical path (raw rows
 * and rollups into ClickHouse): a separate application over the same input, run beside this one by
 * `reelstream run playback-analytics playback-history`, so each commits on its own — a ClickHouse
 * outage lets Kafka buffer the historical path while the dashboards stay current, and a Redis outage
 * does not stop raw rows reaching ClickHouse. Follow one event:
 *
 *   catalog.content (compacted) → global table `catalog` (every instance holds it whole, read before the first event)
 *
 *   playback.events [+ its tier lanes] (Avro) → overload-sampling ─→ ledger: kept / sampled out / shed per minute and tier
 *     │   (whole unless `--overload adaptive` is under pressure)       → playback.sample-ledger → playback-history → ClickHouse shed_ledger
 *     → weigh (the kept event's weights) → check-rights (catalog: may the event's region play it now?)
 *     ─┬─ by-content (repartition) ─┬─ 1-minute windows: total + per region + per tier, titled from the catalog
 *      │                            │     ├─ updates every 1 s → Redis content / content-region / content-tier (1m), top-N
 *      │                            │     └─ final per window  → playback.minute-rollups (Avro) → playback-history → ClickHouse playback_minute
 *      │                            └─ 10-second windows, titled → Redis content (10s), the "now" view
 *      └─ live events only, by-live-event (repartition) → 1-minute windows → Redis live (1m)
 *
 * Statistic definitions: processors/playback/playback-stats.ts; the window state that keeps them
 * (entry-logged, so a commit logs what changed): processors/playback/playback-window-state.ts. Redis keys: docs/redis-keys.md.
 * Regional rights: processors/playback/content-rights.ts; titles and genres: content-labels.ts.
 * Sampling, weights and the ledger: processors/sampler.ts, processors/playback/playback-sampling.ts.
 * PLAYBACK_TOPIC, CATALOG_TOPIC, PLAYBACK_ROLLUPS_TOPIC, PLAYBACK_SAMPLE_LEDGER_TOPIC and PLAYBACK_APP override the topics and
 * application id (tests use their own); PLAYBACK_LANES=tiers reads the tier lanes beside the topic
 * (premium paused last: docs/overload.md);
 * PLAYBACK_GRACE the grace period (default 30 s, 90 s on tier lanes; event-time-aligned consumption
 * keeps a one-thread backlog within it, while two stream threads interleave event time by more, so
 * the fault suite's two-thread crash test, which measures exactness and not lateness, sets a longer
 * one). On tier lanes the grace is also how far premium may run ahead of lagging lower tiers (less a
 * margin: runtime/flow/lane-drift.ts), so there it is wider: final minutes come 90 s after their end.
 */
const topic = process.env.PLAYBACK_TOPIC ?? 'playback.events';
/** With PLAYBACK_LANES=tiers, also each tier's lane `<topic>.<tier>`, premium served first (processors/playback/tier-lanes.ts). */
const source = playbackSource(topic);
const catalogTopic = process.env.CATALOG_TOPIC ?? 'catalog.content';
const rollupsTopic = process.env.PLAYBACK_ROLLUPS_TOPIC ?? 'playback.minute-rollups';
const sampleLedgerTopic = process.env.PLAYBACK_SAMPLE_LEDGER_TOPIC ?? 'playback.sample-ledger';
const app = process.env.PLAYBACK_APP ?? 'playback-analytics';
/** What is shed first under overload, and up to what share (PLAYBACK_SHED_POLICY; processors/playback/playback-sampling.ts). */
const shedPolicy = parseShedPolicy();
const grace = (process.env.PLAYBACK_GRACE ?? (source.lanes ? '90s' : '30s')) as Duration;

type ContentResult = WindowResult<PlaybackWindowState>;

/** A content's window result with what the catalog said of the content when it was emitted. */
interface LabelledResult {
  result: ContentResult;
  labels: ContentLabels;
}

const labelled = (result: ContentResult, metadata: ContentMetadata | null): LabelledResult => ({
  result,
  labels: labelsOf(metadata),
});

const ledgerRecord = (entry: SampleLedgerEntry): SampleLedgerEntryRecord => ({
  minuteStartMs: entry.minuteStartMs,
  viewerTier: entry.lane,
  kept: entry.kept,
  sampledOut: entry.sampledOut,
  shed: entry.shed,
});

/** A content's window with region and tier breakdowns, so one repartition by content serves all three views. */
const contentWindow = () => new PlaybackWindowState({ breakdowns: true });
const plainWindow = () => new PlaybackWindowState({ breakdowns: false });

const windowKey = (window: Windowed<string>, dimension: string): Windowed<string> => ({
  key: dimension,
  start: window.start,
  end: window.end,
});

/** One labelled summary per value of a breakdown (region or tier), keyed `contentId|value` within the window. */
function breakdownSummaries(breakdown: 'region' | 'tier') {
  return ({ result, labels }: LabelledResult, window: Windowed<string>) =>
    result.aggregate.breakdownSummaries(breakdown).map(([value, summary]) => ({
      key: windowKey(window, `${window.key}|${value}`),
      value: { ...summary, ...labels },
    }));
}

export default defineTopology(app, (b) => {
  const catalog = b.globalTable<string, ContentMetadata>(catalogTopic, { store: 'catalog', ...catalogTableOptions });

  // Under overload (`--overload adaptive`) the lowest tiers' heartbeats are sampled, then viewers
  // shed, by a policy; every figure downstream is weighted to stay unbiased, and what was not kept
  // goes to the ledger (docs/overload.md). With overload control off every event passes whole.
  const { kept, ledger } = b
    .stream<string, PlaybackEvent>(source.topics, {
      name: 'playback-events',
      valueSchema: 'PlaybackEvent',
      ...(source.lanes ? { lanes: source.lanes } : {}),
      timestamp: (event) => event.eventTimeMs,
    })
    .sample({ ...PLAYBACK_SAMPLING, lanes: PLAYBACK_SAMPLED_LANES, policy: shedPolicy }, { name: 'overload-sampling' });
  ledger
    .peek(countLedgerEntry, { name: 'count-ledger' })
    .mapValues(ledgerRecord, { name: 'ledger-entry' })
    // In this application's transaction, with the offsets of what it counts; playback-history stores it.
    .to(avroTopic(sampleLedgerTopic, 'SampleLedgerEntry'));

  const plays = kept
    .mapValues(weighed, { name: 'weigh' })
    .leftJoin(catalog, (event) => event.contentId, checkRights, { name: 'check-rights' })
    .peek(countPlaybackEvent, { name: 'count-event' });

  const byContent = plays.groupBy((event) => event.contentId, { name: 'by-content' });

  const minute = byContent
    .windowedBy(tumbling('1m').grace(grace))
    .aggregate(contentWindow, (_contentId, event, stats) => stats.add(event, event.sample), {
      name: 'content-minute',
      store: 'content-minute',
      emit: { updates: '1s', final: true },
    })
    .leftJoin(catalog, (_result, window) => window.key, labelled, { name: 'content-minute-labels' });

  minute
    .mapValues(({ result, labels }) => ({ ...result.aggregate.summary(), ...labels }), { name: 'content-summary' })
    .to(redisWindows('content', '1m', { topN: true }));
  minute
    .flatMap(breakdownSummaries('region'), { name: 'content-region-summary' })
    .to(redisWindows('content-region', '1m'));
  minute.flatMap(breakdownSummaries('tier'), { name: 'content-tier-summary' }).to(redisWindows('content-tier', '1m'));
  minute
    .filter(({ result }) => result.emit === 'final', { name: 'final-minutes' })
    .peek(countClosedMinute, { name: 'count-closed-minute' })
    .flatMap(
      ({ result, labels }, window) => [
        { key: window.key, value: rollupRecord(window, '*', '*', result.aggregate.summary(), labels) },
        ...result.aggregate.breakdownSummaries('region').map(([region, summary]) => ({
          key: window.key,
          value: rollupRecord(window, region, '*', summary, labels),
        })),
        ...result.aggregate.breakdownSummaries('tier').map(([tier, summary]) => ({
          key: window.key,
          value: rollupRecord(window, '*', tier, summary, labels),
        })),
      ],
      { name: 'minute-rollups' },
    )
    // In this application's transaction; playback-history stores them in ClickHouse.
    .to(avroTopic(rollupsTopic, 'PlaybackMinuteRollup'));

  byContent
    .windowedBy(tumbling('10s').grace(grace))
    .aggregate(plainWindow, (_contentId, event, stats) => stats.add(event, event.sample), {
      name: 'content-10s',
      store: 'content-10s',
      emit: { updates: '1s', final: false },
    })
    .leftJoin(
      catalog,
      (_result, window) => window.key,
      (result, metadata) => ({ ...result.aggregate.summary(), ...labelsOf(metadata) }),
      { name: 'content-now-summary' },
    )
    .to(redisWindows('content', '10s'));

  plays
    .filter((event) => event.liveEventId !== null, { name: 'live-only' })
    .groupBy((event) => event.liveEventId as string, { name: 'by-live-event' })
    .windowedBy(tumbling('1m').grace(grace))
    .aggregate(plainWindow, (_liveEventId, event, stats) => stats.add(event, event.sample), {
      name: 'live-minute',
      store: 'live-minute',
      emit: { updates: '1s', final: false },
    })
    .mapValues((result) => result.aggregate.summary(), { name: 'live-summary' })
    .to(redisWindows('live', '1m'));
});
