import { ConfigError } from '../core/errors';
import { createLogger } from '../core/logging';
import { retry } from '../core/retry';
import type { KafkaAdmin } from '../runtime/kafka/admin';
import { TopicPartitionMap } from '../runtime/kafka/topic-partition-map';
import type { ConsumedRecord, KafkaTransport, PartitionFollower, TopicPartition } from '../runtime/kafka/transport';
import { avroType } from '../schemas/catalog';
import { AvroDeserializer } from '../schemas/serde/avro-deserializer';
import type { SchemaRegistryClient } from '../schemas/serde/registry-client';
import type { CacheInvalidation } from '../schemas/types.generated';
import { coalesce, type Invalidation } from '../processors/cache/invalidations';
import { cacheInvalidationPropagation, cacheInvalidationsReceived } from './metrics';

const log = createLogger('cache');

/** Something that applies invalidations to its level 1 (a ReadThroughCache). */
export interface InvalidationTarget {
  invalidate(invalidation: Invalidation): number;
}

export interface InvalidationListenerOptions {
  transport: KafkaTransport;
  admin: KafkaAdmin;
  registry: SchemaRegistryClient;
  /** Default `cache.invalidation`. */
  topic?: string;
  /**
   * The cache-invalidation application whose committed offsets say what level 2 holds: the listener
   * starts there, so every invalidation level 2 may not have applied yet reaches level 1 as well.
   * Default `cache-invalidation`. Partitions it has not committed start at their end.
   */
  applicationId?: string;
  /** Names the cache in metrics. */
  name: string;
}

/**
 * Follows the invalidation topic (every partition, in offset order) into each instance's level 1.
 * Each fetched batch is coalesced first — a storm of invalidations of one key is applied once, at
 * its highest version — so a storm costs one delete per key per batch, not one per record.
 */
export class InvalidationListener {
  private readonly topic: string;
  private follower: PartitionFollower | undefined;
  private following: Promise<void> | undefined;
  private closing = false;
  private readonly deserializer: AvroDeserializer<CacheInvalidation>;
  private readonly targets: InvalidationTarget[] = [];
  /** Invalidations read and applied (before coalescing), and the batches they came in. */
  applied = 0;
  batches = 0;

  constructor(private readonly options: InvalidationListenerOptions) {
    this.topic = options.topic ?? 'cache.invalidation';
    this.deserializer = new AvroDeserializer<CacheInvalidation>(avroType('CacheInvalidation'), options.registry);
  }

  /** Adds a cache to keep current. */
  add(target: InvalidationTarget): this {
    this.targets.push(target);
    return this;
  }

  /** Assigns every partition at its start offset and begins following; resolves once assigned. */
  async start(): Promise<void> {
    const { admin, transport } = this.options;
    const applicationId = this.options.applicationId ?? 'cache-invalidation';
    const counts = await retry(() => admin.partitionCounts([this.topic]), { giveUp: () => this.closing });
    const partitions: TopicPartition[] = Array.from({ length: counts.get(this.topic) ?? 0 }, (_, partition) => ({
      topic: this.topic,
      partition,
    }));
    if (partitions.length === 0)
      throw new ConfigError(
        `cache: the invalidation topic ${this.topic} does not exist (create it: reelstream topics apply)`,
      );
    const committed = await admin.committedOffsets(applicationId, this.topic);
    const from = new TopicPartitionMap<number>();
    for (const end of await admin.endOffsets(this.topic))
      from.set({ topic: this.topic, partition: end.partition }, committed.get(end.partition) ?? end.high);
    const follower = transport.partitionFollower();
    this.follower = follower;
    await follower.assign(partitions, from);
    this.following = this.follow(follower);
  }

  private async follow(follower: PartitionFollower): Promise<void> {
    while (!this.closing) {
      const records = await retry(() => follower.poll(100), { giveUp: () => this.closing }).catch((error: unknown) => {
        if (!this.closing) log.error({ err: error }, 'following cache invalidations failed');
        return [] as ConsumedRecord[];
      });
      if (records.length === 0) continue;
      await this.apply(records).catch((error: unknown) =>
        log.error({ err: error, records: records.length }, 'applying cache invalidations failed; these are skipped'),
      );
    }
  }

  private async apply(records: ConsumedRecord[]): Promise<void> {
    await retry(() => this.deserializer.prepare(records.map((record) => record.value)), {
      giveUp: () => this.closing,
    });
    const invalidations: Invalidation[] = [];
    for (const record of records) {
      if (record.value === null) continue; // compaction's tombstone: nothing to invalidate
      try {
        const { targetType, target, version } = this.deserializer.decode(record.value);
        invalidations.push({ targetType, target, version });
      } catch (error) {
        log.warn(
          { topic: record.topic, partition: record.partition, offset: record.offset, err: error },
          'cache invalidation skipped: it cannot be decoded',
        );
      }
    }
    for (const target of this.targets) {
      cacheInvalidationsReceived.inc({ cache: this.options.name, level: 'l1' }, invalidations.length);
      for (const invalidation of coalesce(invalidations)) target.invalidate(invalidation);
    }
    this.applied += invalidations.length;
    this.batches += 1;
    const appliedAt = Date.now();
    for (const record of records)
      cacheInvalidationPropagation.observe({ cache: this.options.name }, (appliedAt - record.timestamp) / 1000);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.following;
    await this.follower?.disconnect();
  }
}
