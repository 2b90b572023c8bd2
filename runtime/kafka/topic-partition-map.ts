import type { TopicPartition } from './transport';

/**
 * A map keyed by topic partition as a value (Kafka's TopicPartition has equals/hashCode; a JS Map
 * key is compared by identity): nested by topic, then partition number, so no key string is ever
 * built and parsed back.
 */
export class TopicPartitionMap<V> {
  private readonly byTopic = new Map<string, Map<number, V>>();
  private count = 0;

  constructor(entries: Iterable<readonly [TopicPartition, V]> = []) {
    for (const [partition, value] of entries) this.set(partition, value);
  }

  get size(): number {
    return this.count;
  }

  get({ topic, partition }: TopicPartition): V | undefined {
    return this.byTopic.get(topic)?.get(partition);
  }

  has({ topic, partition }: TopicPartition): boolean {
    return this.byTopic.get(topic)?.has(partition) ?? false;
  }

  set({ topic, partition }: TopicPartition, value: V): this {
    let partitions = this.byTopic.get(topic);
    if (!partitions) this.byTopic.set(topic, (partitions = new Map()));
    if (!partitions.has(partition)) this.count += 1;
    partitions.set(partition, value);
    return this;
  }

  delete({ topic, partition }: TopicPartition): boolean {
    const partitions = this.byTopic.get(topic);
    if (!partitions?.delete(partition)) return false;
    if (partitions.size === 0) this.byTopic.delete(topic);
    this.count -= 1;
    return true;
  }

  clear(): void {
    this.byTopic.clear();
    this.count = 0;
  }

  *entries(): IterableIterator<[TopicPartition, V]> {
    for (const [topic, partitions] of this.byTopic)
      for (const [partition, value] of partitions) yield [{ topic, partition }, value];
  }

  *keys(): IterableIterator<TopicPartition> {
    for (const [partition] of this.entries()) yield partition;
  }

  *values(): IterableIterator<V> {
    for (const partitions of this.byTopic.values()) yield* partitions.values();
  }

  [Symbol.iterator](): IterableIterator<[TopicPartition, V]> {
    return this.entries();
  }
}

/** A set of topic partitions as values. */
export class TopicPartitionSet {
  private readonly map = new TopicPartitionMap<true>();

  constructor(partitions: Iterable<TopicPartition> = []) {
    for (const partition of partitions) this.add(partition);
  }

  get size(): number {
    return this.map.size;
  }

  add(partition: TopicPartition): this {
    this.map.set(partition, true);
    return this;
  }

  has(partition: TopicPartition): boolean {
    return this.map.has(partition);
  }

  delete(partition: TopicPartition): boolean {
    return this.map.delete(partition);
  }

  clear(): void {
    this.map.clear();
  }

  values(): IterableIterator<TopicPartition> {
    return this.map.keys();
  }

  [Symbol.iterator](): IterableIterator<TopicPartition> {
    return this.map.keys();
  }
}
