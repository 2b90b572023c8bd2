import { LRUCache } from 'lru-cache';
import type { Invalidation, InvalidationTargetType } from '../processors/cache/invalidations';

/** How many key and content-id marks an instance remembers (prefix marks are few and all kept). */
const DEFAULT_MAX_MARKS = 100_000;

/**
 * The poisoning guard's memory (memcache's leases do the same job with tokens): the highest
 * invalidation version seen per key, per prefix and per content id. A fill of version v for a key is
 * stale when any mark that covers the key is above v — the data it carries was read before the
 * change the invalidation announced. A forgotten (evicted) key or content-id mark can let one stale
 * fill through; the bound is documented in docs/cache.md.
 */
export class InvalidationMarks {
  private readonly keys: LRUCache<string, number>;
  private readonly contents: LRUCache<string, number>;
  private readonly prefixes = new Map<string, number>();

  constructor(maxMarks = DEFAULT_MAX_MARKS) {
    this.keys = new LRUCache({ max: maxMarks });
    this.contents = new LRUCache({ max: maxMarks });
  }

  /** Remembers the invalidation; returns false when a mark as high or higher was already held. */
  record({ targetType, target, version }: Invalidation): boolean {
    const marks = this.marksOf(targetType);
    const held = marks.get(target);
    if (held !== undefined && held >= version) return false;
    marks.set(target, version);
    return true;
  }

  /** The lowest version a fill of this key (built from these content ids) may carry. */
  floor(key: string, tags: readonly string[]): number {
    let floor = this.keys.get(key) ?? Number.NEGATIVE_INFINITY;
    for (const tag of tags) floor = Math.max(floor, this.contents.get(tag) ?? Number.NEGATIVE_INFINITY);
    for (const [prefix, version] of this.prefixes) if (key.startsWith(prefix)) floor = Math.max(floor, version);
    return floor;
  }

  /** Whether a fill of `version` for this key is fresh: no invalidation above it covers the key. */
  accepts(key: string, tags: readonly string[], version: number): boolean {
    return version >= this.floor(key, tags);
  }

  private marksOf(type: InvalidationTargetType): {
    get(target: string): number | undefined;
    set(target: string, version: number): unknown;
  } {
    if (type === 'key') return this.keys;
    if (type === 'content_id') return this.contents;
    return this.prefixes;
  }
}
