import { validateInvalidationProcessor } from '../processors/cache/validate-invalidation';
import type { Invalidation } from '../processors/cache/invalidations';
import { defineTopology, sinkDescriptor } from '../runtime/dsl';

/**
 * Cache invalidation: `cache.invalidation` (compacted, Avro CacheInvalidation: by key, by prefix or
 * by content id, with the data's version after the change) → the cache's level 2 in Redis, in Kafka
 * offset order, coalesced per commit (docs/cache.md):
 *
 *   cache.invalidation ── validate (→ DLQ) ── Redis: raise the target's mark, delete older entries
 *
 * Level 1 of every cache client follows the same topic itself (cache/invalidation-listener.ts),
 * starting at this application's committed offsets, so an invalidation level 2 has not applied yet
 * still reaches it. CACHE_INVALIDATION_TOPIC and CACHE_INVALIDATION_APP override the topic and the
 * application id (tests use their own).
 */
const topic = process.env.CACHE_INVALIDATION_TOPIC ?? 'cache.invalidation';
const app = process.env.CACHE_INVALIDATION_APP ?? 'cache-invalidation';

export default defineTopology(app, (b) => {
  b.stream<string, Invalidation | null>(topic, {
    name: 'invalidations',
    valueSchema: 'CacheInvalidation',
    tombstones: true,
  })
    .process<string, Invalidation>(validateInvalidationProcessor(), { name: 'validate', changesKey: false })
    .to(sinkDescriptor('redis-cache-invalidation', 'cache'));
});
