/** One cached value with the version of the data it was built from and the content ids it depends on. */
export interface CacheEntry<V> {
  value: V;
  version: number;
  /** Content ids (surrogate keys) the value was built from: a `content_id` invalidation of one purges it. */
  tags: readonly string[];
}

/** What a loader or the origin returns for a key: the entry, and how long it may be cached. */
export interface Loaded<V> extends CacheEntry<V> {
  ttlMs?: number;
}
