import type { KafkaAdmin, NewTopic } from '../kafka/admin';
import { TopicPartitionMap, TopicPartitionSet } from '../kafka/topic-partition-map';
import type {
  ConsumedRecord,
  ConsumerGroupMetadata,
  GroupConsumer,
  KafkaTransport,
  PartitionFollower,
  PartitionReader,
  ProducedRecord,
  RebalanceListener,
  TopicPartition,
  TopicPartitionOffset,
  TransactionalProducer,
  PartitionFetchState,
} from '../kafka/transport';

/**
 * An in-memory Kafka for unit tests of the runtime's protocol (task manager, commit, rebalance):
 * topics hold only committed records (what read_committed readers see), transactions add records and
 * group offsets together or not at all, and one group member owns what `assign` gives it. Tests can
 * make a commit fail or wait, and drive a rebalance. Not a broker: no fencing by epoch, no markers.
 */
export class FakeKafka {
  readonly topics = new Map<string, ConsumedRecord[][]>();
  readonly committed = new Map<string, TopicPartitionMap<number>>();
  /** Every commit that reached the "broker", in order. */
  readonly commits: { transactionalId: string; offsets: TopicPartitionOffset[]; records: number }[] = [];
  /** Set by a test: runs before each commit; a rejection fails it (nothing of the transaction lands). */
  beforeCommit: ((transactionalId: string) => Promise<void>) | undefined;
  readonly consumers: FakeGroupConsumer[] = [];
  /**
   * Set by a test: once consumers have handed out this many records, their fetches come back empty
   * however far behind they are — as a kafkajs consumer's do while it waits for its previous batches.
   */
  fetchesStallAfter = Number.POSITIVE_INFINITY;
  /** Records handed out by every consumer together. */
  handedOut = 0;

  createTopic(topic: string, partitions: number): void {
    if (!this.topics.has(topic))
      this.topics.set(
        topic,
        Array.from({ length: partitions }, () => []),
      );
  }

  partitionsOf(topic: string): ConsumedRecord[][] {
    const partitions = this.topics.get(topic);
    if (!partitions) throw new Error(`fake kafka: no topic ${topic}`);
    return partitions;
  }

  /** Appends records as one committed write (a plain producer, or a committed transaction). */
  append(records: readonly ProducedRecord[]): void {
    for (const record of records) {
      const partitions = this.partitionsOf(record.topic);
      const partition = record.partition ?? partitionFor(record.key, partitions.length);
      const log = partitions[partition] as ConsumedRecord[];
      log.push({
        topic: record.topic,
        partition,
        offset: log.length,
        key: record.key,
        value: record.value,
        timestamp: record.timestamp ?? Date.now(),
        headers: record.headers ?? {},
      });
    }
  }

  committedOffset(groupId: string, { topic, partition }: TopicPartition): number | undefined {
    return this.committed.get(groupId)?.get({ topic, partition });
  }

  transport(): KafkaTransport {
    return {
      name: 'kafkajs',
      consumer: (groupId) => {
        const consumer = new FakeGroupConsumer(this, groupId);
        this.consumers.push(consumer);
        return consumer;
      },
      transactionalProducer: (transactionalId) => new FakeTransactionalProducer(this, transactionalId),
      partitionReader: () => new FakePartitionReader(this),
      partitionFollower: () => new FakePartitionFollower(this),
    };
  }

  admin(): KafkaAdmin {
    return {
      listTopics: async () => [...this.topics.keys()],
      partitionCounts: async (topics) => new Map(topics.map((topic) => [topic, this.partitionsOf(topic).length])),
      createTopics: async (topics: readonly NewTopic[]) => {
        for (const { topic, partitions } of topics) this.createTopic(topic, partitions);
      },
      topicConfig: async () => undefined,
      endOffsets: async (topic) =>
        this.partitionsOf(topic).map((log, partition) => ({ partition, high: log.length, low: 0 })),
      committedOffsets: async (groupId, topic) => {
        const offsets = new Map<number, number>();
        for (let partition = 0; partition < this.partitionsOf(topic).length; partition += 1) {
          const offset = this.committedOffset(groupId, { topic, partition });
          if (offset !== undefined) offsets.set(partition, offset);
        }
        return offsets;
      },
    };
  }
}

/** Any stable partitioner will do here: the fake only needs the same key on the same partition. */
function partitionFor(key: Buffer | null, partitions: number): number {
  if (!key) return 0;
  let hash = 0;
  for (const byte of key) hash = (hash * 31 + byte) >>> 0;
  return hash % partitions;
}

export class FakeGroupConsumer implements GroupConsumer {
  private listener: RebalanceListener | undefined;
  private subscribed: string[] = [];
  private assignment: TopicPartition[] = [];
  private readonly positions = new TopicPartitionMap<number>();
  private readonly paused = new TopicPartitionSet();
  private pendingAssignment: TopicPartition[] | undefined;
  disconnected = false;

  constructor(
    private readonly kafka: FakeKafka,
    private readonly groupId: string,
  ) {}

  async connect(listener: RebalanceListener): Promise<void> {
    this.listener = listener;
  }

  subscribe(topics: string[]): void {
    this.subscribed = topics;
    // A single member: it is given every partition of what it subscribed to at its first fetch.
    this.pendingAssignment = topics.flatMap((topic) =>
      this.kafka.partitionsOf(topic).map((_, partition) => ({ topic, partition })),
    );
  }

  get subscriptions(): readonly string[] {
    return this.subscribed;
  }

  /**
   * A rebalance: everything is revoked (the listener's promise is awaited, as rdkafka holds the
   * rebalance until the application settled), then `partitions` are assigned at the next fetch.
   * Resolves once the revocation was given up.
   */
  async rebalance(partitions: TopicPartition[]): Promise<void> {
    const revoked = this.assignment;
    this.assignment = [];
    await this.listener?.onRevoked(revoked);
    this.pendingAssignment = partitions;
  }

  async consumeBatch(maxRecords: number, maxWaitMs = 10): Promise<ConsumedRecord[]> {
    if (this.pendingAssignment) {
      this.assignment = this.pendingAssignment;
      this.pendingAssignment = undefined;
      this.listener?.onAssigned(this.assignment);
      return [];
    }
    const batch: ConsumedRecord[] = [];
    if (this.kafka.handedOut >= this.kafka.fetchesStallAfter) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(maxWaitMs, 10)));
      return batch;
    }
    for (const tp of this.assignment) {
      if (this.paused.has(tp)) continue;
      const log = this.kafka.partitionsOf(tp.topic)[tp.partition] as ConsumedRecord[];
      let position = this.positions.get(tp) ?? 0;
      while (position < log.length && batch.length < maxRecords) batch.push(log[position++] as ConsumedRecord);
      this.positions.set(tp, position);
    }
    this.kafka.handedOut += batch.length;
    if (batch.length === 0) await new Promise((resolve) => setTimeout(resolve, Math.min(maxWaitMs, 10)));
    return batch;
  }

  pause(partitions: TopicPartition[]): void {
    for (const partition of partitions) this.paused.add(partition);
  }

  resume(partitions: TopicPartition[]): void {
    for (const partition of partitions) this.paused.delete(partition);
  }

  async seekToCommitted(partitions: TopicPartition[]): Promise<void> {
    for (const tp of partitions) this.positions.set(tp, this.kafka.committedOffset(this.groupId, tp) ?? 0);
  }

  async keepAlive(): Promise<void> {}

  fetchState(tp: TopicPartition): PartitionFetchState | undefined {
    const end = this.kafka.partitionsOf(tp.topic)[tp.partition]?.length;
    return end === undefined ? undefined : { end, position: this.positions.get(tp) };
  }

  groupMetadata(): ConsumerGroupMetadata {
    return { groupId: this.groupId };
  }

  transactionSealed(): void {}

  transactionCommitted(): void {}

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}

class FakeTransactionalProducer implements TransactionalProducer {
  private open: ProducedRecord[] | undefined;
  /** A commit is on its way: a record sent now would join (or break) it, as on a real broker. */
  private committing = false;

  constructor(
    private readonly kafka: FakeKafka,
    private readonly transactionalId: string,
  ) {}

  async connect(): Promise<void> {}

  async begin(): Promise<void> {
    if (this.open) throw new Error('fake kafka: begin inside an open transaction');
    this.open = [];
  }

  send(record: ProducedRecord): void {
    if (!this.open) throw new Error('fake kafka: send outside a transaction');
    if (this.committing) throw new Error('fake kafka: send while the transaction commits');
    this.open.push(record);
  }

  async commit(offsets: TopicPartitionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    const records = this.open;
    if (!records) throw new Error('fake kafka: commit without a transaction');
    this.committing = true;
    try {
      await this.kafka.beforeCommit?.(this.transactionalId);
    } catch (error) {
      this.open = undefined;
      throw error;
    } finally {
      this.committing = false;
    }
    this.open = undefined;
    this.kafka.append(records);
    let groupOffsets = this.kafka.committed.get(group.groupId);
    if (!groupOffsets) this.kafka.committed.set(group.groupId, (groupOffsets = new TopicPartitionMap()));
    for (const { topic, partition, offset } of offsets) groupOffsets.set({ topic, partition }, offset);
    this.kafka.commits.push({ transactionalId: this.transactionalId, offsets, records: records.length });
  }

  async abort(): Promise<void> {
    this.open = undefined;
  }

  async disconnect(): Promise<void> {}
}

class FakePartitionReader implements PartitionReader {
  constructor(private readonly kafka: FakeKafka) {}

  async readToEnd(
    partitions: TopicPartition[],
    onRecord: (record: ConsumedRecord) => void,
    from?: TopicPartitionMap<number>,
  ): Promise<number> {
    let count = 0;
    for (const { topic, partition } of partitions) {
      const start = from?.get({ topic, partition }) ?? 0;
      for (const record of (this.kafka.partitionsOf(topic)[partition] ?? []).slice(start)) {
        onRecord(record);
        count += 1;
      }
    }
    return count;
  }

  async disconnect(): Promise<void> {}
}

/**
 * Reads on from where it was assigned; a poll hands out up to 100 of the records appended since
 * the last one, a few milliseconds later, as a real client fetches a large topic in many turns.
 */
class FakePartitionFollower implements PartitionFollower {
  private readonly positions = new TopicPartitionMap<number>();

  constructor(private readonly kafka: FakeKafka) {}

  async assign(partitions: TopicPartition[], from?: TopicPartitionMap<number>): Promise<void> {
    for (const partition of partitions) this.positions.set(partition, from?.get(partition) ?? 0);
  }

  async poll(maxWaitMs: number): Promise<ConsumedRecord[]> {
    await new Promise((resolve) => setTimeout(resolve, Math.min(maxWaitMs, 2)));
    const records: ConsumedRecord[] = [];
    for (const [partition, position] of this.positions) {
      const log = this.kafka.partitionsOf(partition.topic)[partition.partition] ?? [];
      const taken = log.slice(position, position + 50);
      for (const record of taken) records.push(record);
      this.positions.set(partition, position + taken.length);
    }
    return records;
  }

  position(partition: TopicPartition): number | undefined {
    return this.positions.get(partition);
  }

  async disconnect(): Promise<void> {}
}
