/**
 * A table every instance holds in full, filled from all partitions of a compacted topic (Kafka
 * Streams' GlobalKTable). Joins against it need no co-partitioning: the lookup key is computed from
 * the stream record. Used for enrichment with catalog data.
 */
export class GlobalKTable<K, V> {
  readonly kind = 'global-table' as const;
  declare readonly __types?: [K, V];

  constructor(
    readonly nodeName: string,
    readonly storeName: string,
  ) {}
}
