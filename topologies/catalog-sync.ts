import { Counter } from 'prom-client';
import { ConfigError } from '../core/errors';
import { catalogSyncProcessor, type CatalogChange } from '../processors/catalog/catalog-sync';
import { defineTopology, sinkDescriptor } from '../runtime/dsl';
import { metricsRegistry } from '../runtime/metrics';
import type { ContentMetadata } from '../schemas/types.generated';

/**
 * Catalog sync: `catalog.content` (compacted, Avro ContentMetadata, a null value deletes) → the
 * latest version per content id, by the rules of processors/catalog/catalog-rules.ts (docs/catalog-sync.md):
 *
 *   catalog.content ── catalog-sync (validate → DLQ; version rule → store catalog-current) ─→ Redis hash per content (version-guarded)
 *
 * Corrupt records go to `catalog-sync.dlq` with their reason; stale, duplicate and conflict-losing
 * ones are counted (`reelstream_dropped_records_total{node="catalog-sync"}`), and every applied
 * change by its outcome (`reelstream_catalog_changes_total`: a conflict's winner is `conflict-won`). Playback topologies
 * join the same topic as a global table with processors/catalog/catalog-table.ts, which applies the
 * same rules. CATALOG_TOPIC and CATALOG_SYNC_APP override the topic and application id (tests use
 * their own); CATALOG_MAX_VERSION_REGRESSION the bound past which an older version is corruption
 * rather than reordering (default 1,000 versions).
 */
const topic = process.env.CATALOG_TOPIC ?? 'catalog.content';
const app = process.env.CATALOG_SYNC_APP ?? 'catalog-sync';
const maxVersionRegression = Number(process.env.CATALOG_MAX_VERSION_REGRESSION ?? 1_000);
if (!Number.isSafeInteger(maxVersionRegression) || maxVersionRegression < 0)
  throw new ConfigError(
    `CATALOG_MAX_VERSION_REGRESSION must be a non-negative integer, not "${process.env.CATALOG_MAX_VERSION_REGRESSION}"`,
  );

const changes = new Counter({
  name: 'reelstream_catalog_changes_total',
  help: 'Catalog changes catalog-sync applied, by outcome: applied (a newer version), deleted, conflict-won (an equal version with other content that won the conflict rule)',
  labelNames: ['outcome'],
  registers: [metricsRegistry],
});

export default defineTopology(app, (b) => {
  b.addStore('catalog-current');
  b.stream<string, ContentMetadata | null>(topic, {
    name: 'catalog-updates',
    valueSchema: 'ContentMetadata',
    tombstones: true,
  })
    .process<string, CatalogChange>(catalogSyncProcessor('catalog-current', maxVersionRegression), {
      name: 'catalog-sync',
      stores: ['catalog-current'],
      changesKey: false,
    })
    .peek((change) => changes.inc({ outcome: change.outcome }), { name: 'count-changes' })
    .to(sinkDescriptor('redis-catalog', 'catalog'));
});
