import { catalogInvalidationsProcessor } from '../processors/cache/catalog-invalidations';
import { validateInvalidationProcessor } from '../processors/cache/validate-invalidation';
import type { Invalidation } from '../processors/cache/invalidations';
import { avroTopic, defineTopology, sinkDescriptor } from '../runtime/dsl';
import type { CacheInvalidation, ContentMetadata } from '../schemas/types.generated';

/**
 * Cache invalidation (docs/cache.md): the catalog's changes become invalidations, and the
 * invalidation topic is applied to the cache's level 2 in Redis, in Kafka offset order, coalesced
 * per commit.
 *
 *   catalog.content ── catalog-invalidations (corrupt → DLQ) ──→ cache.invalidation (content_id, at the change's version)
 *   cache.invalidation ── validate (→ DLQ) ── Redis: raise the target's mark, delete older entries
 *
 * `cache.invalidation` (compacted, Avro CacheInvalidation) names a key, a prefix or a content id;
 * any service may publish to it. Level 1 of every cache client follows the same topic itself
 * (cache/invalidation-listener.ts), starting at this application's committed offsets, so an
 * invalidation level 2 has not applied yet still reaches it. CACHE_INVALIDATION_TOPIC, CATALOG_TOPIC
 * and CACHE_INVALIDATION_APP override the topics and the application id (tests use their own).
 */
const topic = process.env.CACHE_INVALIDATION_TOPIC ?? 'cache.invalidation';
const catalogTopic = process.env.CATALOG_TOPIC ?? 'catalog.content';
const app = process.env.CACHE_INVALIDATION_APP ?? 'cache-invalidation';

export default defineTopology(app, (b) => {
  b.stream<string, ContentMetadata | null>(catalogTopic, {
    name: 'catalog-updates',
    valueSchema: 'ContentMetadata',
    tombstones: true,
  })
    .process<string, CacheInvalidation>(catalogInvalidationsProcessor(), {
      name: 'catalog-invalidations',
      changesKey: false,
    })
    .to(avroTopic(topic, 'CacheInvalidation'));

  b.stream<string, Invalidation | null>(topic, {
    name: 'invalidations',
    valueSchema: 'CacheInvalidation',
    tombstones: true,
  })
    .process<string, Invalidation>(validateInvalidationProcessor(), { name: 'validate', changesKey: false })
    .to(sinkDescriptor('redis-cache-invalidation', 'cache'));
});
