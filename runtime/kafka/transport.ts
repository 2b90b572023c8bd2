import type { TopicPartitionMap } from './topic-partition-map';
/**
 * The one interface the runtime speaks to Kafka through (see docs/runtime.md: kafkajs and node-rdkafka behind
 * one interface). Offsets are numbers here: Kafka offsets fit a double exactly up to 2^53.
 */
export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface ConsumedRecord extends TopicPartition {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers?: Record<string, string>;
}

export interface ProducedRecord {
  topic: string;
  /** Absent: the murmur2 partitioner on the key, as Java clients and kafkajs use. */
  partition?: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp?: number;
  headers?: Record<string, string>;
}

/**
 * What a transactional producer needs of the consumer to commit the consumed offsets inside its
 * transaction (the consumer group, KIP-447): handed out by the consumer, opaque to the runtime, so
 * the producer never receives the consumer itself. A transport may carry its client's own handle.
 */
export interface ConsumerGroupMetadata {
  readonly groupId: string;
}

export interface RebalanceListener {
  /**
   * Partitions are being taken away: tasks for them must be dropped before anything is committed.
   * A consumer that can hold the rebalance (rdkafka) gives the partitions up only once the returned
   * promise settles, so a commit in flight finishes under the generation that owned them — after
   * the member rejoined, a commit would carry the new generation and no broker could fence it.
   * kafkajs (patched, see kafkajs/patched-kafkajs.ts) awaits it before it rejoins the group.
   */
  onRevoked(partitions: TopicPartition[]): void | Promise<void>;
  onAssigned(partitions: TopicPartition[]): void;
}

/**
 * A consumer-group member that hands out fetched records in batches and never commits on its own.
 * It may withhold a partition's next batch until the transaction that consumed the previous one
 * committed or aborted (kafkajs does, see kafkajs/group-consumer.ts): callers commit when a batch comes
 * back empty.
 */
export interface GroupConsumer {
  connect(listener: RebalanceListener): Promise<void>;
  subscribe(topics: string[]): void;
  /** Waits at most `maxWaitMs` (the client's default when absent) for records when none are fetched. */
  consumeBatch(maxRecords: number, maxWaitMs?: number): Promise<ConsumedRecord[]>;
  /** Once it returns, consumeBatch yields no record of these partitions until they are resumed. */
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Moves the fetch position back to the group's committed offsets (earliest where none). */
  seekToCommitted(partitions: TopicPartition[]): Promise<void>;
  /**
   * Keeps the group membership alive while the application does not call consumeBatch (it
   * restores state with every partition paused): a member that stops fetching for longer than the
   * client's poll interval is taken out of the group. Yields nothing; a record fetched meanwhile
   * (of a partition assigned in between) is fetched again later.
   */
  keepAlive(): Promise<void>;
  /**
   * What the client knows of the partition from its last fetch (undefined before one), at no request:
   * its end offset, and its position — the offset after the last record handed out, moved past the
   * transaction markers behind it when the client saw them. With the last delivered offset it tells
   * whether records are waiting to be fetched: a commit marker after the last record is not one.
   */
  fetchState(partition: TopicPartition): PartitionFetchState | undefined;
  /** For the transactional producer's commit of the consumed offsets. */
  groupMetadata(): ConsumerGroupMetadata;
  /**
   * Told when a transaction is sealed for its commit: the batches handed out so far are the ones it
   * holds. Batches handed out after this belong to the next transaction (the thread processes on
   * while a commit completes), so `transactionCommitted` must not release them.
   */
  transactionSealed(): void;
  /**
   * Told once the sealed transaction holding these offsets committed: a consumer that withholds
   * the next batches of a partition until then (kafkajs) hands them out again.
   */
  transactionCommitted(offsets: TopicPartitionOffset[]): void;
  disconnect(): Promise<void>;
}

/**
 * A transactional producer: records sent between begin and commit, and the consumed offsets given to
 * commit, become visible together or not at all (read_committed readers). This is what makes a
 * crash anywhere replay onto exactly the state that matches the committed offsets.
 */
export interface TransactionalProducer {
  connect(): Promise<void>;
  begin(): Promise<void>;
  send(record: ProducedRecord): void;
  commit(offsets: TopicPartitionOffset[], group: ConsumerGroupMetadata): Promise<void>;
  abort(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * Reads partitions from their beginning to their end as of the call (state restore), outside any
 * group; all of them in one pass, so restoring many tasks costs one client, not one per task.
 */
export interface PartitionReader {
  /**
   * Reads the partitions from their start — or from `from`'s offset, where it has one — to the end
   * they had when the read began (read_committed), calling `onRecord` in offset order per partition.
   */
  readToEnd(
    partitions: TopicPartition[],
    onRecord: (record: ConsumedRecord) => void,
    from?: TopicPartitionMap<number>,
  ): Promise<number>;
  disconnect(): Promise<void>;
}

/**
 * Reads partitions outside any group and keeps reading as they grow (global tables: Kafka Streams'
 * global consumer). read_committed; the caller keeps the offsets, nothing is committed.
 */
export interface PartitionFetchState {
  end: number;
  /** Undefined where the client does not know it. */
  position?: number;
}

export interface PartitionFollower {
  /** Starts each partition at `from`'s offset, at its earliest offset where `from` has none. */
  assign(partitions: TopicPartition[], from?: TopicPartitionMap<number>): Promise<void>;
  /** The records fetched since the last call, in offset order per partition; waits up to `maxWaitMs` for any. */
  poll(maxWaitMs: number): Promise<ConsumedRecord[]>;
  /**
   * The offset of the partition's next record after those handed out so far — past transaction
   * markers, so it reaches the end offset once everything before it was handed out. Undefined
   * before the first fetch of the partition.
   */
  position(partition: TopicPartition): number | undefined;
  disconnect(): Promise<void>;
}

export interface KafkaTransport {
  readonly name: 'kafkajs' | 'rdkafka';
  consumer(groupId: string): GroupConsumer;
  transactionalProducer(transactionalId: string): TransactionalProducer;
  partitionReader(): PartitionReader;
  partitionFollower(): PartitionFollower;
}
