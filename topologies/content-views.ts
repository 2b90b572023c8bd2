import { defineTopology, tumbling } from '../runtime/dsl';

/**
 * An example topology, small enough to read in one go: per-content view counts per minute,
 * enriched with the catalog title. The playback-analytics pipeline builds on the same shapes.
 *
 *   npx reelstream describe content-views --format mermaid
 */
export interface ViewEvent {
  sessionId: string;
  contentId: string;
  eventType: 'start' | 'heartbeat' | 'stop';
  eventTimeMs: number;
}

export interface CatalogEntry {
  contentId: string;
  title: string;
  version: number;
}

export interface TitledViews {
  contentId: string;
  title: string | null;
  windowStart: number;
  starts: number;
  final: boolean;
}

export default defineTopology('content-views', (b) => {
  const catalog = b.globalTable<string, CatalogEntry>('catalog.content', {
    store: 'catalog',
    isNewer: (candidate, current) => candidate.version > current.version,
  });

  b.stream<string, ViewEvent>('playback.events', { timestamp: (event) => event.eventTimeMs })
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
    .to('content-views.starts-per-minute');
});
