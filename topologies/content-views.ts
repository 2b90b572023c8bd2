import { defineTopology, tumbling } from '../runtime/dsl';
import type { ContentMetadata, PlaybackEvent } from '../schemas/types.generated';

/**
 * An example topology, small enough to read in one go: per-content view counts per minute,
 * enriched with the catalog title from a global table (every instance holds the whole catalog,
 * read from `catalog.content` before the first event is joined). It runs on the demo's topics:
 *
 *   npx reelstream describe content-views --format mermaid
 *   npx reelstream run content-views
 */
// CONTENT_VIEWS_APP, PLAYBACK_TOPIC, CATALOG_TOPIC and CONTENT_VIEWS_OUTPUT override the names (tests use their own).
const app = process.env.CONTENT_VIEWS_APP ?? 'content-views';
const plays = process.env.PLAYBACK_TOPIC ?? 'playback.events';
const catalogTopic = process.env.CATALOG_TOPIC ?? 'catalog.content';
const output = process.env.CONTENT_VIEWS_OUTPUT ?? 'content-views.starts-per-minute';

export type ViewEvent = Pick<PlaybackEvent, 'sessionId' | 'contentId' | 'eventType' | 'eventTimeMs'>;

export type CatalogEntry = Pick<ContentMetadata, 'contentId' | 'title' | 'version'>;

export interface TitledViews {
  contentId: string;
  title: string | null;
  windowStart: number;
  starts: number;
  final: boolean;
}

export default defineTopology(app, (b) => {
  const catalog = b.globalTable<string, CatalogEntry>(catalogTopic, {
    store: 'catalog',
    valueSchema: 'ContentMetadata',
    // A higher version wins; a tombstone carries its version in the `version` header.
    version: (entry) => entry.version,
  });

  b.stream<string, ViewEvent>(plays, {
    valueSchema: 'PlaybackEvent',
    timestamp: (event) => event.eventTimeMs,
  })
    .filter((event) => event.eventType === 'start', { name: 'starts-only' })
    .groupBy((event) => event.contentId, { name: 'by-content' })
    .windowedBy(tumbling('1m').grace('30s'))
    .count({ store: 'starts-per-minute', emit: { updates: '1s', final: true } })
    .map((result, window) => ({ key: window.key, value: { window, result } }), { name: 'unwrap-window' })
    .leftJoin(
      catalog,
      (_value, contentId) => contentId,
      ({ window, result }, entry, contentId): TitledViews => ({
        contentId,
        title: entry?.title ?? null,
        windowStart: window.start,
        starts: result.aggregate,
        final: result.emit === 'final',
      }),
      { name: 'add-title' },
    )
    .to(output);
});
