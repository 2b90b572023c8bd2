/**
 * What an invalidation names (schemas/avro/cache-invalidation.avsc): one cache key, every key that
 * starts with a prefix, or every key tagged with a content id (surrogate keys: an entry carries the
 * content ids it was built from, so one catalog change purges everything built from that content).
 */
export type InvalidationTargetType = 'key' | 'prefix' | 'content_id';

export interface Invalidation {
  targetType: InvalidationTargetType;
  target: string;
  /** The data's version after the change: a cache entry or fill older than this is stale. */
  version: number;
}

/**
 * Coalesces a burst: many invalidations of one target become one, with the highest version (an
 * invalidation at version v also covers every lower one). Order of first appearance is kept.
 */
export function coalesce(invalidations: readonly Invalidation[]): Invalidation[] {
  // Per type, then per target: a key and a prefix with the same text stay apart.
  const byType = new Map<InvalidationTargetType, Map<string, Invalidation>>();
  const order: Invalidation[] = [];
  for (const invalidation of invalidations) {
    let byTarget = byType.get(invalidation.targetType);
    if (!byTarget) byType.set(invalidation.targetType, (byTarget = new Map()));
    const held = byTarget.get(invalidation.target);
    if (!held) order.push(invalidation);
    if (!held || held.version < invalidation.version) byTarget.set(invalidation.target, invalidation);
  }
  return order.map((first) => byType.get(first.targetType)?.get(first.target) as Invalidation);
}

/** Whether an invalidation covers a cache key with these tags (content ids). */
export function covers(invalidation: Invalidation, key: string, tags: readonly string[]): boolean {
  switch (invalidation.targetType) {
    case 'key':
      return key === invalidation.target;
    case 'prefix':
      return key.startsWith(invalidation.target);
    case 'content_id':
      return tags.includes(invalidation.target);
  }
}
