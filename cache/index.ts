/**
 * The read-through cache client (`reelstream/cache`; docs/cache.md): level 1 in process, level 2 in
 * Redis, the origin below; invalidated from the cache.invalidation topic.
 */
export type { CacheEntry, Loaded } from './cache-entry';
export { CacheWarmer, type KeysOfContent } from './cache-warmer';
export { catalogCardOrigin, contentCardKey, type ContentCard } from './catalog-origin';
export { HotnessHints, type HotnessHintsOptions } from './hotness-hints';
export { InvalidationListener, type InvalidationListenerOptions } from './invalidation-listener';
export { NotFoundError, ReadThroughCache, type Origin, type ReadThroughCacheOptions } from './read-through-cache';
export type { Invalidation, InvalidationTargetType } from '../processors/cache/invalidations';
