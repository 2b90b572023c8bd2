import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../runtime/metrics';

// Counted at both levels: level 2 is applied by the cache-invalidation topology's sink.
export { cacheInvalidationsApplied, cacheInvalidationsReceived } from '../sinks/redis/cache-store';

/** The cache client's metrics (docs/cache.md); `cache` names the cache, so one process can run several. */
export const cacheRequests = new Counter({
  name: 'reelstream_cache_requests_total',
  help: 'Cache reads by the level that answered: l1 (in process), l2 (Redis) or origin; result hit, miss (loaded below), stale (an expired value served) or refused (loaded, older than a known invalidation: served, not cached)',
  labelNames: ['cache', 'level', 'result'] as const,
  registers: [metricsRegistry],
});

export const cacheStaleServes = new Counter({
  name: 'reelstream_cache_stale_serves_total',
  help: 'Expired values served, by reason: revalidating (reloaded in the background) or origin-down (the levels below failed)',
  labelNames: ['cache', 'reason'] as const,
  registers: [metricsRegistry],
});

export const cacheRefusedFills = new Counter({
  name: 'reelstream_cache_refused_fills_total',
  help: 'Fills refused because an invalidation or a write with a higher version was known (the poisoning guard), by level',
  labelNames: ['cache', 'level'] as const,
  registers: [metricsRegistry],
});

export const cacheOriginLoads = new Counter({
  name: 'reelstream_cache_origin_loads_total',
  help: 'Loads from the origin (neither level held the key), by outcome: loaded, missing, failed',
  labelNames: ['cache', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const cacheInvalidationPropagation = new Histogram({
  name: 'reelstream_cache_invalidation_propagation_seconds',
  help: "From an invalidation record's Kafka timestamp to its being applied in this instance's level 1",
  labelNames: ['cache'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});
