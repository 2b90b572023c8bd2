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
 * Records of the application's own topics (repartition) are in event-time order already: they pass —
 * except the topics of a repartition fed by lanes (runtime/topology/repartition-lanes.ts), which are
 * lanes again downstream and are taken here like the inputs, a higher lane first.
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
  /** How far a higher lane's event time may run ahead of a lower lane's (may be +∞); keep it below the windows' grace. */
  maxLaneDriftMs: number;
}

export const DEFAULT_EVENT_TIME_BUFFER: EventTimeBufferOptions = {
  maxWaitMs: 5_000,
  maxBufferedPerPartition: 20_000,
  maxLaneDriftMs: 15_000,
};

/** What the consumer knows of a partition from its last fetch: end offset and position (undefined: not fetched yet). */
export type KnownEnd = (partition: TopicPartition) => { end: number; position?: number } | undefined;

/**
 * The client's fetch state read once per partition and call of `takeReady`: every record taken looks
 * at every empty partition, and with rdkafka each look was two native calls (its watermarks and
 * position) — over half the job's CPU under a backlog. What the client fetches meanwhile waits for the
 * next call, as the records it fetches do.
 */
function onceEach(knownEnd: KnownEnd): KnownEnd {
  const seen = new Map<TopicPartition, ReturnType<KnownEnd>>();
  return (partition) => {
    if (seen.has(partition)) return seen.get(partition);
    const state = knownEnd(partition);
    seen.set(partition, state);
    return state;
  };
}

interface PartitionQueue<T> {
  partition: TopicPartition;
  items: T[];
  head: number;
  /** Last offset delivered since the assignment; -1 before the first delivery. */
  lastOffset: number;
  /** Event time of the last record delivered (what it delivers next is about as late or later). */
  lastEventTime: number;
  /** Its topic's lane priority (higher is served first). */
  priority: number;
  /** When this empty queue started holding the others back. */
  waitingSince: number | undefined;
}

/** Per lane (ranked from the highest priority): its oldest head, its floor, the lowest floor below it. */
interface LaneScratch<T> {
  oldest: (PartitionQueue<T> | undefined)[];
  floor: number[];
  below: number[];
}

export class EventTimeBuffer<T extends BufferedRecord> {
  private readonly queues = new TopicPartitionMap<PartitionQueue<T>>();
  private assignedAt = 0;

  constructor(
    private readonly alignedTopics: ReadonlySet<string>,
    private readonly options: EventTimeBufferOptions = DEFAULT_EVENT_TIME_BUFFER,
    /** Lane priority per topic (absent: 0). */
    private readonly priorities: ReadonlyMap<string, number> = new Map(),
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
      if (Number.isFinite(item.eventTime)) queue.lastEventTime = item.eventTime;
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
        lastEventTime: Number.NEGATIVE_INFINITY,
        priority: this.priorities.get(partition.topic) ?? 0,
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
   *
   * With lanes (topics of different priorities), a higher lane goes first as long as its head is at
   * most `maxLaneDriftMs` of event time ahead of every lower lane (after Flink's watermark alignment):
   * premium is served at once while the lower lanes lag a little, and since they never fall further
   * behind than the drift, which stays below the windows' grace, none of their records comes out late.
   * A partition that is waiting to deliver bounds the others by the event time it delivered last.
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
    // Lanes ranked from the highest priority (0) down; per-lane figures in arrays reused for every record.
    const priorities = [...new Set(queues.map((queue) => queue.priority))].sort((a, b) => b - a);
    const ranks = queues.map((queue) => priorities.indexOf(queue.priority));
    const lanes: LaneScratch<T> = {
      oldest: new Array<PartitionQueue<T> | undefined>(priorities.length),
      floor: new Array<number>(priorities.length),
      below: new Array<number>(priorities.length),
    };
    const taken: T[] = [];
    const known = onceEach(knownEnd);
    // At most `limit` per call: the caller checks backpressure between batches.
    while (taken.length < limit) {
      const best = this.nextReady(queues, ranks, lanes, known, now);
      if (!best) break;
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

  /** The queue whose head goes next: the highest lane allowed, the oldest head within it; none when all must wait. */
  private nextReady(
    queues: readonly PartitionQueue<T>[],
    ranks: readonly number[],
    { oldest, floor, below }: LaneScratch<T>,
    knownEnd: KnownEnd,
    now: number,
  ): PartitionQueue<T> | undefined {
    // Per lane: the oldest head, and the floor — the earliest event time it may still take or deliver.
    oldest.fill(undefined);
    floor.fill(Number.POSITIVE_INFINITY);
    for (let index = 0; index < queues.length; index += 1) {
      const queue = queues[index] as PartitionQueue<T>;
      const rank = ranks[index] as number;
      const time = this.floorOf(queue, knownEnd, now);
      if (time < (floor[rank] as number)) floor[rank] = time;
      if (queue.head === queue.items.length) continue;
      const current = oldest[rank];
      if (!current || headTime(queue) < headTime(current)) oldest[rank] = queue;
    }
    // below[rank]: the lowest floor among the lanes under it.
    let lowest = Number.POSITIVE_INFINITY;
    for (let rank = floor.length - 1; rank >= 0; rank -= 1) {
      below[rank] = lowest;
      lowest = Math.min(lowest, floor[rank] as number);
    }
    // From the highest lane down: a lane's head waits for its own and higher lanes' floors, and may
    // run up to the drift ahead of the lower lanes'.
    let above = Number.POSITIVE_INFINITY;
    for (let rank = 0; rank < floor.length; rank += 1) {
      above = Math.min(above, floor[rank] as number);
      const candidate = oldest[rank];
      if (candidate && headTime(candidate) <= Math.min(above, this.driftBound(below[rank] as number))) return candidate;
    }
    return undefined;
  }

  /** How far a lane may go given the lowest floor below it: the drift ahead of it (nothing while it has not delivered). */
  private driftBound(lowerFloor: number): number {
    // −∞ + an unbounded drift would be NaN.
    return lowerFloor === Number.NEGATIVE_INFINITY ? lowerFloor : lowerFloor + this.options.maxLaneDriftMs;
  }

  /**
   * The earliest event time a queue may still hold back: its head; for an empty partition that may
   * still deliver, the event time it delivered last (−∞ before its first delivery: everything waits);
   * for a caught-up one, none.
   */
  private floorOf(queue: PartitionQueue<T>, knownEnd: KnownEnd, now: number): number {
    if (queue.head < queue.items.length) return headTime(queue);
    if (!this.holdsBack(queue, knownEnd, now)) return Number.POSITIVE_INFINITY;
    return queue.lastOffset < 0 ? Number.NEGATIVE_INFINITY : queue.lastEventTime;
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

  /** The event time of the oldest queued head outside `except` (+∞ when none is queued). */
  oldestQueued(except: ReadonlySet<string>): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const queue of this.queues.values())
      if (queue.head < queue.items.length && !except.has(queue.partition.topic)) {
        const time = (queue.items[queue.head] as T).eventTime;
        if (time < oldest) oldest = time; // NaN (no event time) never is
      }
    return oldest;
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

/** A queue's head event time; a record without one (NaN) goes at once, to fail where it is processed. */
function headTime(queue: { items: readonly BufferedRecord[]; head: number }): number {
  const time = (queue.items[queue.head] as BufferedRecord).eventTime;
  return Number.isFinite(time) ? time : Number.NEGATIVE_INFINITY;
}
