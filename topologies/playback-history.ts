import { catalogTableOptions } from '../processors/catalog/catalog-table';
import { checkRights } from '../processors/playback/content-rights';
import { eventRow, ledgerRow, rollupRow } from '../processors/playback/playback-rows';
import { playbackSource } from '../processors/playback/tier-lanes';
import { clickhouseRows, defineTopology } from '../runtime/dsl';
import type {
  ContentMetadata,
  PlaybackEvent,
  PlaybackMinuteRollup,
  SampleLedgerEntry,
} from '../schemas/types.generated';

/**
 * The pipeline's historical path, an application of its own beside playback-analytics (the
 * real-time path) so the two commit independently: a slow or down ClickHouse holds only this one
 * back, and Kafka buffers what it has not stored yet.
 *
 *   playback.events [+ its tier lanes] → check-rights (catalog global table) → ClickHouse playback_events
 *     (raw rows; identity = source topic, partition and offset, with the offset ledger)
 *   playback.minute-rollups (written by playback-analytics in its transactions) → ClickHouse playback_minute
 *   playback.sample-ledger (what its sampler kept, sampled out, shed; idem) → ClickHouse shed_ledger
 *
 * This path never samples: raw rows are every event (sample_weight 1), because a slow ClickHouse
 * only makes it lag while Kafka holds the rest.
 *
 * PLAYBACK_TOPIC, CATALOG_TOPIC, PLAYBACK_ROLLUPS_TOPIC, PLAYBACK_LANES as for playback-analytics;
 * PLAYBACK_HISTORY_APP overrides the application id (default `<PLAYBACK_APP>-history`, so a test's
 * pair of applications share their prefix).
 */
const topic = process.env.PLAYBACK_TOPIC ?? 'playback.events';
const catalogTopic = process.env.CATALOG_TOPIC ?? 'catalog.content';
const rollupsTopic = process.env.PLAYBACK_ROLLUPS_TOPIC ?? 'playback.minute-rollups';
const sampleLedgerTopic = process.env.PLAYBACK_SAMPLE_LEDGER_TOPIC ?? 'playback.sample-ledger';
const app = process.env.PLAYBACK_HISTORY_APP ?? `${process.env.PLAYBACK_APP ?? 'playback-analytics'}-history`;
const source = playbackSource(topic);

export default defineTopology(
  app,
  (b) => {
    const catalog = b.globalTable<string, ContentMetadata>(catalogTopic, { store: 'catalog', ...catalogTableOptions });

    b.stream<string, PlaybackEvent>(source.topics, {
      name: 'playback-events',
      valueSchema: 'PlaybackEvent',
      timestamp: (event) => event.eventTimeMs,
      ...(source.lanes ? { lanes: source.lanes } : {}),
    })
      .leftJoin(catalog, (event) => event.contentId, checkRights, { name: 'check-rights' })
      .mapValues(eventRow, { name: 'to-event-row' })
      .to(clickhouseRows('playback_events', { ledger: true }));

    b.stream<string, PlaybackMinuteRollup>(rollupsTopic, {
      name: 'minute-rollups',
      valueSchema: 'PlaybackMinuteRollup',
      timestamp: (rollup) => rollup.windowStartMs,
      lagSignal: false, // a minute's rollup comes a minute and a grace after its start, by design
    })
      .mapValues(rollupRow, { name: 'to-rollup-row' })
      .to(clickhouseRows('playback_minute'));

    b.stream<string, SampleLedgerEntry>(sampleLedgerTopic, {
      name: 'sample-ledger',
      valueSchema: 'SampleLedgerEntry',
      timestamp: (entry) => entry.minuteStartMs,
      lagSignal: false,
    })
      .mapValues(ledgerRow, { name: 'to-ledger-row' })
      // Deltas: stored once each by their source identity and the offset ledger.
      .to(clickhouseRows('shed_ledger', { ledger: true }));
  },
  // Dashboards first: run beside playback-analytics, this path yields while the real-time one is behind.
  { service: 'background' },
);
