import { ConfigError } from '../core/errors';
import { createLogger } from '../core/logging';
import { retry } from '../core/retry';
import type { KafkaAdmin } from '../runtime/kafka/admin';
import { TopicPartitionMap } from '../runtime/kafka/topic-partition-map';
import type { ConsumedRecord, KafkaTransport, PartitionFollower, TopicPartition } from '../runtime/kafka/transport';
import { avroType } from '../schemas/catalog';
import { AvroDeserializer } from '../schemas/serde/avro-deserializer';
import type { SchemaRegistryClient } from '../schemas/serde/registry-client';
import type { ContentHotness } from '../schemas/types.generated';

const log = createLogger('cache');

export interface HotnessHintsOptions {
  transport: KafkaTransport;
  admin: KafkaAdmin;
  registry: SchemaRegistryClient;
  /** Default `content.hotness`. */
  topic?: string;
  /** The ranking to follow: a region code, or `*` (default) for every region together. */
  region?: string;
}

type Hint = Pick<ContentHotness, 'tier' | 'score' | 'ttlHintMs' | 'computedAtMs' | 'asOfMs'>;

/**
 * Whether `held` is newer than `incoming`: by the event time ranked at, then by when it was ranked —
 * a replay of older playback ranks later by the clock but must not override the live hint.
 */
export function isNewerHint(held: Hint, incoming: Hint): boolean {
  if (held.asOfMs !== incoming.asOfMs) return held.asOfMs > incoming.asOfMs;
  return held.computedAtMs > incoming.computedAtMs;
}

/**
 * The hotness of every content as content-hotness publishes it (the compacted `content.hotness`):
 * read in full at start, then followed. A cache takes its TTLs from it (`ttlFor`), a warmer the
 * contents in the top tier (`top1`) and those that enter it (`onEnterTop1`).
 */
export class HotnessHints {
  private readonly hints = new Map<string, Hint>();
  private readonly topic: string;
  private readonly region: string;
  private readonly deserializer: AvroDeserializer<ContentHotness>;
  private follower: PartitionFollower | undefined;
  private following: Promise<void> | undefined;
  private closing = false;
  private readonly entered: ((contentId: string) => void)[] = [];

  constructor(private readonly options: HotnessHintsOptions) {
    this.topic = options.topic ?? 'content.hotness';
    this.region = options.region ?? '*';
    this.deserializer = new AvroDeserializer<ContentHotness>(avroType('ContentHotness'), options.registry);
  }

  /** Reads the topic to its end (so the top tier is known before a cache serves), then follows it. */
  async start(): Promise<void> {
    const { admin, transport } = this.options;
    const counts = await retry(() => admin.partitionCounts([this.topic]));
    const partitions: TopicPartition[] = Array.from({ length: counts.get(this.topic) ?? 0 }, (_, partition) => ({
      topic: this.topic,
      partition,
    }));
    if (partitions.length === 0)
      throw new ConfigError(
        `cache: the hotness topic ${this.topic} does not exist (create it: reelstream topics apply)`,
      );
    const ends = new TopicPartitionMap<number>();
    for (const end of await admin.endOffsets(this.topic))
      ends.set({ topic: this.topic, partition: end.partition }, end.high);
    const read: ConsumedRecord[] = [];
    const reader = transport.partitionReader();
    try {
      await retry(() => reader.readToEnd(partitions, (record) => read.push(record)));
    } finally {
      await reader.disconnect();
    }
    await this.apply(
      read.filter((record) => record.offset < (ends.get(record) ?? 0)),
      false,
    );
    const follower = transport.partitionFollower();
    this.follower = follower;
    await follower.assign(partitions, ends);
    this.following = (async () => {
      while (!this.closing) {
        const records = await retry(() => follower.poll(100), { giveUp: () => this.closing }).catch(() => []);
        await this.apply(records, true).catch((error: unknown) =>
          log.error({ err: error }, 'applying hotness hints failed'),
        );
      }
    })();
  }

  /** The longest TTL hint of the contents an entry was built from; undefined when none is known. */
  ttlFor(tags: readonly string[]): number | undefined {
    let ttl: number | undefined;
    for (const tag of tags) {
      const hint = this.hints.get(tag);
      if (hint) ttl = Math.max(ttl ?? 0, hint.ttlHintMs);
    }
    return ttl;
  }

  tierOf(contentId: string): Hint['tier'] | undefined {
    return this.hints.get(contentId)?.tier;
  }

  /** The contents in the top tier now, hottest first. */
  top1(): string[] {
    return [...this.hints]
      .filter(([, hint]) => hint.tier === 'top1')
      .sort(([, a], [, b]) => b.score - a.score)
      .map(([contentId]) => contentId);
  }

  /** Called with each content that enters the top tier while followed. */
  onEnterTop1(listener: (contentId: string) => void): this {
    this.entered.push(listener);
    return this;
  }

  private async apply(records: ConsumedRecord[], live: boolean): Promise<void> {
    if (records.length === 0) return;
    await retry(() => this.deserializer.prepare(records.map((record) => record.value)), { giveUp: () => this.closing });
    for (const record of records) {
      if (record.value === null) continue; // a forgotten content: its hint ages out with its TTL
      let hotness: ContentHotness;
      try {
        hotness = this.deserializer.decode(record.value);
      } catch (error) {
        log.warn(
          { topic: record.topic, partition: record.partition, offset: record.offset, err: error },
          'hotness hint skipped',
        );
        continue;
      }
      if (hotness.region !== this.region) continue;
      const held = this.hints.get(hotness.contentId);
      if (held && isNewerHint(held, hotness)) continue;
      this.hints.set(hotness.contentId, hotness);
      if (live && hotness.tier === 'top1' && held?.tier !== 'top1')
        for (const listener of this.entered) listener(hotness.contentId);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.following;
    await this.follower?.disconnect();
  }
}
