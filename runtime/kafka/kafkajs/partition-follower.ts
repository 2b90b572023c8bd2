import { randomUUID } from 'node:crypto';
import type { Batch, Consumer, Kafka } from 'kafkajs';
import { createLogger } from '../../../core/logging';
import { backoffDelay } from '../../../core/retry';
import { TopicPartitionMap, TopicPartitionSet } from '../topic-partition-map';
import type { ConsumedRecord, PartitionFollower, TopicPartition } from '../transport';
import { step } from './errors';
import { toRecord } from './records';

const log = createLogger('kafkajs-transport');

/** Fetched records held for poll() before kafkajs is made to wait: bounds memory on a large topic. */
const MAX_HELD_RECORDS = 20_000;

interface Fetched {
  records: ConsumedRecord[];
  partition: TopicPartition;
  /** The partition's position once these records are handed out. */
  next: number;
}

/** One kafkajs consumer's life: from its start to its crash or the follower's disconnect. */
interface Session {
  consumer: Consumer;
  /** Connect, subscribe, join and seek: settled once kafkajs fetches (or has crashed). */
  started: Promise<void>;
}

/**
 * kafkajs has no manual assignment: the follower joins a throwaway group that only it belongs to, so
 * it is given every partition of the topics; it pauses the ones it was not asked for, seeks the
 * others, and reads on. Batches kafkajs filters down to nothing (transaction markers only) still
 * move the position, through END_BATCH_PROCESS. The group is deleted on disconnect.
 *
 * The follower restarts a crashed consumer itself rather than letting kafkajs do it: kafkajs would
 * rejoin the group with no committed offset and read every partition from its start again — a table
 * would go back to old values while it caught up — and a restart kafkajs times on its own can still
 * be joining when disconnect() stops it, which leaves that consumer fetching for ever after (a
 * process that never exits). Here a new consumer seeks each partition to the position the follower
 * has reached, and disconnect() waits for a start in progress before it stops the consumer.
 */
export class KafkajsPartitionFollower implements PartitionFollower {
  private readonly groupId = `reelstream-follower-${randomUUID()}`;
  private session: Session | undefined;
  private topics: string[] = [];
  private readonly fetched: Fetched[] = [];
  private held = 0;
  private readonly positions = new TopicPartitionMap<number>();
  private readonly wanted = new TopicPartitionSet();
  private readonly starts = new TopicPartitionMap<number>();
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;
  private closing = false;
  private crashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly kafka: Kafka) {}

  async assign(partitions: TopicPartition[], from?: TopicPartitionMap<number>): Promise<void> {
    for (const partition of partitions) {
      this.wanted.add(partition);
      const start = from?.get(partition);
      if (start !== undefined) this.starts.set(partition, start);
    }
    this.topics = [...new Set(partitions.map((p) => p.topic))];
    const session = this.startSession();
    try {
      await session.started;
    } catch (error) {
      // The caller retries assign(): this consumer must not linger beside the next one.
      if (this.session === session) this.session = undefined;
      await session.consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  private startSession(): Session {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 4 * 1024 * 1024,
      retry: { restartOnFailure: async () => false },
    });
    const session: Session = { consumer, started: Promise.resolve() };
    this.session = session;
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const partition = { topic: payload.topic, partition: payload.partition };
      if (this.session !== session || !this.wanted.has(partition)) return;
      const next = Number(payload.lastOffset) + 1;
      // A batch of markers only (nothing for eachBatch): the position moves past them all the same.
      if (next > this.queuedPosition(partition)) this.push({ records: [], partition, next });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => this.crashed(session, payload.error));
    session.started = (async () => {
      await step('follower connect', () => consumer.connect());
      await step('follower subscribe', () => consumer.subscribe({ topics: this.topics, fromBeginning: true }));
      await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => this.take(session, batch) });
      // kafkajs seeks only once it runs: records before the seek that arrive first are skipped in take().
      for (const partition of this.wanted) {
        const offset = this.nextOffset(partition);
        if (offset !== undefined) consumer.seek({ ...partition, offset: String(offset) });
      }
    })();
    return session;
  }

  private async take(session: Session, batch: Batch): Promise<void> {
    const partition = { topic: batch.topic, partition: batch.partition };
    if (this.session !== session) return;
    if (!this.wanted.has(partition)) {
      session.consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
      return;
    }
    this.crashes = 0;
    const start = this.nextOffset(partition) ?? 0;
    const records: ConsumedRecord[] = [];
    for (const message of batch.messages)
      if (Number(message.offset) >= start) records.push(toRecord(batch.topic, batch.partition, message));
    this.push({ records, partition, next: Math.max(start, Number(batch.lastOffset()) + 1) });
    while (this.held > MAX_HELD_RECORDS && !this.closing)
      await new Promise<void>((resolve) => (this.drained = resolve));
  }

  /** A crashed consumer is replaced after a backoff, and the new one goes on where this one was. */
  private crashed(session: Session, error: Error): void {
    if (this.session !== session || this.closing) return;
    this.session = undefined;
    this.crashes += 1;
    const delayMs = backoffDelay(this.crashes, 200, 10_000);
    log.warn({ err: error, groupId: this.groupId, delayMs }, 'global table follower crashed; starting it again');
    void session.consumer.disconnect().catch(() => undefined);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closing) return;
      const next = this.startSession();
      next.started.catch((failure: Error) => this.crashed(next, failure));
    }, delayMs);
  }

  /** Where reading the partition goes on: past everything queued or handed out, else where it was assigned. */
  private nextOffset(partition: TopicPartition): number | undefined {
    const queued = this.queuedPosition(partition);
    return queued >= 0 ? queued : this.starts.get(partition);
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
    if (this.fetched.length === 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    this.wake = undefined;
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
    this.closing = true;
    clearTimeout(this.restartTimer);
    const session = this.session;
    this.session = undefined;
    this.held = 0;
    this.drained?.();
    if (session) {
      // A consumer still joining would ignore a stop and fetch on once joined: let the start settle first.
      await session.started.catch(() => undefined);
      await session.consumer.disconnect().catch(() => undefined);
    }
    // The throwaway group holds no offsets: a broker that is away now removes it once it expires.
    const admin = this.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([this.groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect());
  }
}
