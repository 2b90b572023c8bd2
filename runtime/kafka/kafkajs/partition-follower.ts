import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { TopicPartitionMap, TopicPartitionSet } from '../topic-partition-map';
import type { ConsumedRecord, PartitionFollower, TopicPartition } from '../transport';
import { step } from './errors';
import { toRecord } from './records';

/** Fetched records held for poll() before kafkajs is made to wait: bounds memory on a large topic. */
const MAX_HELD_RECORDS = 20_000;

interface Fetched {
  records: ConsumedRecord[];
  partition: TopicPartition;
  /** The partition's position once these records are handed out. */
  next: number;
}

/**
 * kafkajs has no manual assignment: the follower joins a throwaway group that only it belongs to, so
 * it is given every partition of the topics; it pauses the ones it was not asked for, seeks the
 * others, and reads on. Batches kafkajs filters down to nothing (transaction markers only) still
 * move the position, through END_BATCH_PROCESS. The group is deleted on disconnect.
 */
export class KafkajsPartitionFollower implements PartitionFollower {
  private consumer: Consumer | undefined;
  private readonly groupId = `reelstream-follower-${randomUUID()}`;
  private readonly fetched: Fetched[] = [];
  private held = 0;
  private readonly positions = new TopicPartitionMap<number>();
  private readonly wanted = new TopicPartitionSet();
  private readonly starts = new TopicPartitionMap<number>();
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly kafka: Kafka) {}

  async assign(partitions: TopicPartition[], from?: TopicPartitionMap<number>): Promise<void> {
    for (const partition of partitions) {
      this.wanted.add(partition);
      const start = from?.get(partition);
      if (start !== undefined) this.starts.set(partition, start);
    }
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const partition = { topic: payload.topic, partition: payload.partition };
      if (!this.wanted.has(partition)) return;
      const next = Number(payload.lastOffset) + 1;
      // A batch of markers only (nothing for eachBatch): the position moves past them all the same.
      if (next > this.queuedPosition(partition)) this.push({ records: [], partition, next });
    });
    await step('follower connect', () => consumer.connect());
    await step('follower subscribe', () =>
      consumer.subscribe({ topics: [...new Set(partitions.map((p) => p.topic))], fromBeginning: true }),
    );
    void consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const partition = { topic: batch.topic, partition: batch.partition };
          if (!this.wanted.has(partition)) {
            consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
            return;
          }
          const start = this.starts.get(partition) ?? 0;
          const records: ConsumedRecord[] = [];
          for (const message of batch.messages)
            // Before the seek below took effect: kafkajs seeks only once it runs.
            if (Number(message.offset) >= start) records.push(toRecord(batch.topic, batch.partition, message));
          this.push({ records, partition, next: Math.max(start, Number(batch.lastOffset()) + 1) });
          while (this.held > MAX_HELD_RECORDS) await new Promise<void>((resolve) => (this.drained = resolve));
        },
      })
      .catch((error: Error) => {
        this.failure = error;
        this.wake?.();
      });
    for (const [partition, offset] of this.starts) consumer.seek({ ...partition, offset: String(offset) });
  }

  /** The position the partition reaches once everything queued is handed out. */
  private queuedPosition(partition: TopicPartition): number {
    for (let i = this.fetched.length - 1; i >= 0; i -= 1) {
      const entry = this.fetched[i] as Fetched;
      if (entry.partition.topic === partition.topic && entry.partition.partition === partition.partition)
        return entry.next;
    }
    return this.positions.get(partition) ?? -1;
  }

  private push(entry: Fetched): void {
    this.fetched.push(entry);
    this.held += entry.records.length;
    this.wake?.();
  }

  async poll(maxWaitMs: number): Promise<ConsumedRecord[]> {
    if (this.fetched.length === 0 && !this.failure)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    this.wake = undefined;
    if (this.failure) throw this.failure;
    const records: ConsumedRecord[] = [];
    for (const entry of this.fetched.splice(0)) {
      for (const record of entry.records) records.push(record);
      this.positions.set(entry.partition, Math.max(entry.next, this.positions.get(entry.partition) ?? 0));
    }
    this.held = 0;
    this.drained?.();
    this.drained = undefined;
    return records;
  }

  position(partition: TopicPartition): number | undefined {
    return this.positions.get(partition);
  }

  async disconnect(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.held = 0;
    this.drained?.();
    if (!consumer) return;
    await consumer.disconnect().catch(() => undefined);
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }
}
