/**
 * The cluster operations the runtime needs, as a port of its own: the runtime speaks to it alone,
 * so it imports no client's types, whichever transport runs the records (kafkajs/admin.ts is the
 * adapter). Offsets are numbers, as in transport.ts.
 */
export interface NewTopic {
  topic: string;
  partitions: number;
  /** Topic configs such as cleanup.policy or max.message.bytes. */
  config: Record<string, string>;
}

export interface PartitionEnd {
  partition: number;
  /** The offset the next record written to the partition gets. */
  high: number;
  /** The partition's earliest offset still stored. */
  low: number;
}

export interface KafkaAdmin {
  listTopics(): Promise<string[]>;
  /** Partitions per topic, for topics that exist. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
  /** Creates the topics and waits for their leaders. */
  createTopics(topics: readonly NewTopic[]): Promise<void>;
  /** A topic config's current value (undefined when the broker gives none). */
  topicConfig(topic: string, name: string): Promise<string | undefined>;
  endOffsets(topic: string): Promise<PartitionEnd[]>;
  /** The group's committed offset per partition of the topic (partitions without one are absent). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
}
