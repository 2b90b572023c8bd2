import { catalogTableOptions } from '../processors/catalog/catalog-table';
import { checkRights } from '../processors/playback/content-rights';
import { eventRow, rollupRow } from '../processors/playback/playback-rows';
import { playbackSource } from '../processors/playback/tier-lanes';
import { clickhouseRows, defineTopology } from '../runtime/dsl';
import type { ContentMetadata, PlaybackEvent, PlaybackMinuteRollup } from '../schemas/types.generated';

/**
 * The pipeline's historical path, an application of its own beside playback-analytics (the
 * real-time path) so the two commit independently: a slow or down ClickHouse holds only this one
 * back, and Kafka buffers what it has not stored yet.
 *
 *   playback.events [+ its tier lanes] → check-rights (catalog global table) → ClickHouse playback_events
 *     (raw rows; identity = source topic, partition and offset, with the offset ledger)
 *   playback.minute-rollups (written by playback-analytics in its transactions) → ClickHouse playback_minute
 *
 * PLAYBACK_TOPIC, CATALOG_TOPIC, PLAYBACK_ROLLUPS_TOPIC, PLAYBACK_LANES as for playback-analytics;
 * PLAYBACK_HISTORY_APP overrides the application id (default `<PLAYBACK_APP>-history`, so a test's
 * pair of applications share their prefix).
 */
const topic = process.env.PLAYBACK_TOPIC ?? 'playback.events';
const catalogTopic = process.env.CATALOG_TOPIC ?? 'catalog.content';
const rollupsTopic = process.env.PLAYBACK_ROLLUPS_TOPIC ?? 'playback.minute-rollups';
const app = process.env.PLAYBACK_HISTORY_APP ?? `${process.env.PLAYBACK_APP ?? 'playback-analytics'}-history`;
const source = playbackSource(topic);

export default defineTopology(app, (b) => {
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
  })
    .mapValues(rollupRow, { name: 'to-rollup-row' })
    .to(clickhouseRows('playback_minute'));
});
