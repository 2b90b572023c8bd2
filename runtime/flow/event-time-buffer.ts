import { TopicPartitionMap, type TopicPartitionSet } from '../kafka/topic-partition-map';
import type { TopicPartition } from '../kafka/transport';

/**
 * Event-time-aligned consumption, after Kafka Streams' PartitionGroup: fetched records of the source
 * partitions wait in one queue per partition, and records are taken in event-time order across them
 * — always the oldest head — as long as no partition might still deliver an older record. A backlog
 * (a restart after downtime, a replay) then reaches the windows, and through them the repartition
 * topics, in about the order live traffic would, instead of one partition's hours before another's;
 * with the default grace nothing comes out late.
 *
 * A partition with an empty queue holds the others back only while it is known to have records not
 * yet fetched (the client's last-known end offset lies beyond what it delivered and beyond its fetch
 * position, which moves past transaction markers), or, right after an
 * assignment, until it delivered once — each for at most `maxWaitMs`, so a partition that never
 * delivers (an open transaction, a broker problem) delays the others, it does not stop them. A
 * caught-up partition holds nothing back: live traffic is not delayed.
 *
 * Records of the application's own topics (repartition) are in event-time order already: they pass.
 */
export interface BufferedRecord extends TopicPartition {
  offset: number;
  /** As the topology's timestamp extractor gives it; NaN when it fails (taken at once, to fail there). */
  eventTime: number;
}

export interface EventTimeBufferOptions {
  /** The longest a partition with an empty queue holds the others back. */
  maxWaitMs: number;
  /** A partition whose queue holds more is paused until it drains to half (bounds memory). */
  maxBufferedPerPartition: number;
}

export const DEFAULT_EVENT_TIME_BUFFER: EventTimeBufferOptions = { maxWaitMs: 5_000, maxBufferedPerPartition: 20_000 };

/** What the consumer knows of a partition from its last fetch: end offset and position (undefined: not fetched yet). */
export type KnownEnd = (partition: TopicPartition) => { end: number; position?: number } | undefined;

interface PartitionQueue<T> {
  partition: TopicPartition;
  items: T[];
  head: number;
  /** Last offset delivered since the assignment; -1 before the first delivery. */
  lastOffset: number;
  /** When this empty queue started holding the others back. */
  waitingSince: number | undefined;
}

export class EventTimeBuffer<T extends BufferedRecord> {
  private readonly queues = new TopicPartitionMap<PartitionQueue<T>>();
  private assignedAt = 0;

  constructor(
    private readonly alignedTopics: ReadonlySet<string>,
    private readonly options: EventTimeBufferOptions = DEFAULT_EVENT_TIME_BUFFER,
  ) {}

  /** Queues the aligned records; returns the others (own topics), to be processed right away in order. */
  add(items: readonly T[]): T[] {
    const passing: T[] = [];
    for (const item of items) {
      if (!this.alignedTopics.has(item.topic)) {
        passing.push(item);
        continue;
      }
      const queue = this.queueOf(item);
      queue.items.push(item);
      queue.lastOffset = item.offset;
      queue.waitingSince = undefined;
    }
    return passing;
  }

  private queueOf(partition: TopicPartition): PartitionQueue<T> {
    let queue = this.queues.get(partition);
    if (!queue) {
      queue = {
        partition: { topic: partition.topic, partition: partition.partition },
        items: [],
        head: 0,
        lastOffset: -1,
        waitingSince: undefined,
      };
      this.queues.set(partition, queue);
    }
    return queue;
  }

  /**
   * Takes queued records in event-time order until an assigned partition with an empty queue may
   * still deliver an older one, `limit` at most. `held` partitions (paused on purpose: backpressure) are left alone:
   * nothing is taken from their queues, and they hold nobody back.
   */
  takeReady(
    assignment: readonly TopicPartition[],
    knownEnd: KnownEnd,
    held: (partition: TopicPartition) => boolean,
    now: number,
    limit = Number.POSITIVE_INFINITY,
  ): T[] {
    const queues = assignment
      .filter((tp) => this.alignedTopics.has(tp.topic) && !held(tp))
      .map((tp) => this.queueOf(tp));
    const taken: T[] = [];
    // At most `limit` per call: the caller checks backpressure between batches.
    while (taken.length < limit) {
      let best: PartitionQueue<T> | undefined;
      let bestTime = Number.POSITIVE_INFINITY;
      for (const queue of queues) {
        const item = queue.items[queue.head];
        if (item === undefined) continue;
        const time = Number.isFinite(item.eventTime) ? item.eventTime : Number.NEGATIVE_INFINITY;
        if (best === undefined || time < bestTime) {
          best = queue;
          bestTime = time;
        }
      }
      if (!best || queues.some((queue) => this.holdsBack(queue, knownEnd, now))) break;
      taken.push(best.items[best.head] as T);
      best.head += 1;
      if (best.head === best.items.length) {
        best.items = [];
        best.head = 0;
      } else if (best.head > 4_096 && best.head * 2 > best.items.length) {
        best.items = best.items.slice(best.head);
        best.head = 0;
      }
    }
    return taken;
  }

  private holdsBack(queue: PartitionQueue<T>, knownEnd: KnownEnd, now: number) {
    if (queue.head < queue.items.length) return false;
    const known = knownEnd(queue.partition);
    // Past the last delivered record, and past the transaction markers the client fetched after it:
    // a topic written in transactions ends each one with a marker, which is no record to wait for.
    const next = Math.max(queue.lastOffset + 1, known?.position ?? 0);
    const mayDeliver =
      queue.lastOffset < 0
        ? known === undefined || known.end > next // never delivered since the assignment: wait for its first fetch
        : known !== undefined && known.end > next;
    if (!mayDeliver) {
      queue.waitingSince = undefined;
      return false;
    }
    queue.waitingSince ??= Math.max(now, this.assignedAt);
    return now - queue.waitingSince < this.options.maxWaitMs;
  }

  /** Partitions whose queue is over the bound: pause their fetching (memory), until they drain to half. */
  overfull(previously: TopicPartitionSet): TopicPartition[] {
    const full: TopicPartition[] = [];
    for (const [partition, queue] of this.queues) {
      const queued = queue.items.length - queue.head;
      const bound = previously.has(partition)
        ? this.options.maxBufferedPerPartition / 2
        : this.options.maxBufferedPerPartition;
      if (queued > bound) full.push(queue.partition);
    }
    return full;
  }

  /** Records queued, all partitions. */
  get size(): number {
    let size = 0;
    for (const queue of this.queues.values()) size += queue.items.length - queue.head;
    return size;
  }

  /** A rebuild starts over from the committed offsets: nothing queued is still valid. */
  reset(now: number): void {
    this.queues.clear();
    this.assignedAt = now;
  }
}
