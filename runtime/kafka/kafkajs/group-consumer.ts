// Why this file is over 400 lines: adapting kafkajs's consumer to the group-consumer port is one job —
// holding fetched batches until their transaction commits, releasing them in commit order, the rebalance
// hooks and the positions past transaction markers all act on the same held batches.
import type { Admin, Consumer, ConsumerRunConfig, EachBatchPayload, Kafka } from 'kafkajs';
import { ServiceUnavailableError } from '../../../core/errors';
import { createLogger } from '../../../core/logging';
import { retry } from '../../../core/retry';
import { copartitionedAssigner } from './assigner';
import { step } from './errors';
import { untilOffsetsVisible } from './offsets-visible';
import { groupByTopic, toRecord } from './records';
import { TopicPartitionMap, TopicPartitionSet } from '../topic-partition-map';
import type {
  ConsumedRecord,
  ConsumerGroupMetadata,
  GroupConsumer,
  RebalanceListener,
  TopicPartition,
  TopicPartitionOffset,
  PartitionFetchState,
} from '../transport';

const log = createLogger('kafkajs-transport');

/** How long a leaving member waits for its last commit's offsets to show when the broker does not answer. */
const LEAVE_WAIT_MS = 10_000;

/** A fetched batch handed to the runtime; kafkajs's eachBatch call for it stays open until `release`. */
interface Delivery extends TopicPartition {
  records: ConsumedRecord[];
  /** The partition's position once this batch is handed out: past its last record and the markers after it. */
  next: number;
  release(committed: boolean): void;
}

/**
 * kafkajs pushes batches into `eachBatch`; the runtime pulls. Each batch is held inside its
 * eachBatch call until the transaction that consumed it commits (its offset is then resolved) or
 * aborts (left unresolved, so kafkajs fetches it again). kafkajs rejoins a rebalancing group only
 * after every eachBatch call returned — and its TxnOffsetCommit carries no group generation
 * (KIP-447) that would fence a commit landing after the partition moved. Holding the batches is not
 * enough on its own: records of a returned batch can still wait in the event-time buffer and be
 * committed by a later transaction. So kafkajs is patched with the revoke callback it lacks
 * (`beforeRejoin`, patched-kafkajs.ts): before it rejoins, the thread settles its transaction.
 * A fetch cycle ends with a commit: `consumeBatch` returns early when it holds batches and nothing
 * new arrives, and the runtime commits when a batch comes back empty.
 */
export class KafkajsGroupConsumer implements GroupConsumer {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly queued: Delivery[] = [];
  private readonly taken: Delivery[] = [];
  /** Batches the sealed transaction holds: released when it commits (later ones stay held). */
  private sealed: Delivery[] = [];
  private readonly paused = new TopicPartitionSet();
  private assignment: TopicPartition[] = [];
  /**
   * Offsets this member committed in its transactions. A transaction's offsets become visible to
   * OffsetFetch only once the broker wrote its commit markers, shortly after EndTxn returned, and
   * kafkajs cannot ask for stable offsets (OffsetFetch v7 require_stable): without this, a rewind
   * right after a commit could read the offsets before it and process that transaction's records twice.
   */
  private readonly committedHere = new TopicPartitionMap<number>();
  /** Committed batches being released once their offsets are visible to other members (in commit order). */
  private releasing: Promise<void> = Promise.resolve();
  /** Set by disconnect: a broker that does not answer stops being waited for after this. */
  private leaveBy = Number.POSITIVE_INFINITY;
  /** Aborted by disconnect: the start in progress goes no further. */
  private readonly leave = new AbortController();
  /**
   * Settles once the start begun by `subscribe` has called kafkajs's `run` or given up. A stop can
   * come while the start is still under way (another application failed as this one started):
   * disconnecting before it settled would let it go on — subscribe's metadata request or the
   * coordinator lookup reconnects the client, or `run` joins the group — after the client closed,
   * and its open connections keep the process from ever exiting.
   */
  private starting: Promise<void> = Promise.resolve();
  private listener: RebalanceListener | undefined;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly highWatermarks = new TopicPartitionMap<number>();
  /** Per partition, the offset after what was handed out (past transaction markers kafkajs filtered). */
  private readonly positions = new TopicPartitionMap<number>();

  constructor(
    kafka: Kafka,
    readonly groupId: string,
  ) {
    this.consumer = kafka.consumer({
      groupId,
      partitionAssigners: [copartitionedAssigner],
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 2 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      // kafkajs restarts a consumer that crashed on a retriable error (a lost connection) — also one the
      // application was closing: it would rejoin after the close and keep the process from exiting.
      retry: { retries: 5, restartOnFailure: async () => !this.leaving() },
    });
    this.admin = kafka.admin();
  }

  async connect(listener: RebalanceListener): Promise<void> {
    this.listener = listener;
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      // Eager protocol: a join replaces the whole assignment, and nothing delivered before it is still held.
      const partitions = Object.entries(payload.memberAssignment).flatMap(([topic, numbers]) =>
        numbers.map((partition) => ({ topic, partition })),
      );
      listener.onRevoked(this.assignment);
      const kept = new TopicPartitionSet(partitions);
      for (const partition of [...this.committedHere.keys()])
        if (!kept.has(partition)) this.committedHere.delete(partition);
      this.assignment = partitions;
      listener.onAssigned(partitions);
    });
    // A batch of transaction markers only never reaches eachBatch: its end moves the position here.
    // (A batch with records moved it when it was handed out; its end event comes only at its commit.)
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      this.highWatermarks.set(payload, Number(payload.highWatermark));
      if (payload.batchSize > 0) return;
      const next = Number(payload.lastOffset) + 1;
      const waiting = [...this.queued]
        .reverse()
        .find((delivery) => delivery.topic === payload.topic && delivery.partition === payload.partition);
      if (waiting) waiting.next = Math.max(waiting.next, next);
      else this.positions.set(payload, Math.max(next, this.positions.get(payload) ?? 0));
    });
    this.consumer.on(CRASH, ({ payload }) => {
      log.warn({ err: payload.error, restart: payload.restart }, 'kafkajs consumer crashed');
      if (payload.restart) return; // kafkajs restarts itself after retriable failures
      this.failure = payload.error;
      this.wake?.();
    });
    await step('consumer connect', () => this.consumer.connect());
    await step('admin connect', () => this.admin.connect());
  }

  subscribe(topics: string[]): void {
    let settled!: () => void;
    this.starting = new Promise<void>((resolve) => (settled = resolve));
    const started = (async () => {
      try {
        await this.consumer.subscribe({ topics, fromBeginning: true });
        if (this.leaving()) return;
        await this.untilCoordinatorFound();
        if (this.leaving()) return;
        const running = this.consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 64,
          eachBatch: (payload) => this.hold(payload),
          beforeRejoin: () => this.beforeRejoin(),
        } as ConsumerRunConfig);
        settled();
        await running;
      } finally {
        settled();
      }
    })();
    started.catch((error: Error) => {
      if (this.leaving()) return;
      this.failure = error;
      this.wake?.();
    });
  }

  /**
   * kafkajs's consumer gives up for good when its first join finds no coordinator for the group
   * (KafkaJSGroupCoordinatorNotFound, which it marks not retriable): what a group meets on a broker
   * that has just started, while the offsets topic is created and its leaders elected. Restarting a
   * crashed consumer races with the application stopping; so the coordinator is waited for before
   * the consumer first joins, through the admin client, for as long as it takes and logged at every
   * retry. Once it is found, later joins are kafkajs's own, and it retries a coordinator that moves.
   */
  private async untilCoordinatorFound(): Promise<void> {
    await retry(() => step('find the group coordinator', () => this.admin.describeGroups([this.groupId])), {
      initialDelayMs: 500,
      maxDelayMs: 5_000,
      signal: this.leave.signal,
      onRetry: (error, attempt, delayMs) =>
        log.warn(
          { err: error, groupId: this.groupId, attempt, delayMs },
          'no coordinator for the consumer group yet (a broker that has just started elects one): waiting',
        ),
    });
  }

  private leaving(): boolean {
    return this.leave.signal.aborted;
  }

  /**
   * kafkajs (patched) is about to rejoin a rebalancing group: every batch it handed out has returned,
   * but the thread may still be committing, or hold records of those batches in an open transaction.
   * It settles first (the commit in flight completes, the open transaction is aborted), and the last
   * commit's offsets become visible, so the partitions' next owner starts from them.
   */
  private async beforeRejoin(): Promise<void> {
    const revoked = this.assignment;
    this.wake?.();
    try {
      await this.listener?.onRevoked(revoked);
      await this.releasing;
    } catch (error) {
      log.warn({ err: error }, 'settling before the rebalance failed; rejoining');
    }
  }

  private async hold({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): Promise<void> {
    this.highWatermarks.set(batch, Number(batch.highWatermark));
    if (batch.isEmpty() || isStale()) return;
    let release!: (committed: boolean) => void;
    const outcome = new Promise<boolean>((resolve) => (release = resolve));
    const { topic, partition } = batch;
    this.queued.push({
      topic,
      partition,
      records: batch.messages.map((message) => toRecord(topic, partition, message)),
      next: Number(batch.lastOffset()) + 1,
      release,
    });
    this.wake?.();
    let rebalancing = false;
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const committed = await Promise.race([
        outcome,
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 1_000))),
      ]);
      clearTimeout(timer);
      if (committed !== undefined) {
        if (committed && !isStale()) resolveOffset(batch.lastOffset());
        return;
      }
      // Held longer than a heartbeat interval: keep the session alive. A rebalance waits for us.
      if (rebalancing) continue;
      try {
        await heartbeat();
      } catch (error) {
        rebalancing = true;
        log.debug({ err: error, topic, partition }, 'heartbeat while holding a batch: group is rebalancing');
      }
    }
  }

  async consumeBatch(maxRecords: number, maxWaitMs = Number.POSITIVE_INFINITY): Promise<ConsumedRecord[]> {
    if (this.failure)
      // kafkajs gave up for good (it restarts itself after anything retriable): e.g. a topic compressed
      // with a codec kafkajs cannot read (lz4, snappy, zstd need plugins; rdkafka reads them all).
      throw new ServiceUnavailableError('kafka', `kafkajs consumer stopped: ${this.failure.message}`, {
        cause: this.failure,
        retriable: false,
      });
    if (!this.queued.some((delivery) => !this.paused.has(delivery))) {
      // While batches are held, kafkajs fetches nothing new: come back soon so the runtime commits.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(maxWaitMs, this.taken.length > 0 ? 20 : 500));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const records: ConsumedRecord[] = [];
    for (let index = 0; index < this.queued.length && records.length < maxRecords;) {
      const delivery = this.queued[index] as Delivery;
      if (this.paused.has(delivery)) {
        index += 1;
        continue;
      }
      this.queued.splice(index, 1);
      this.taken.push(delivery);
      this.positions.set(delivery, Math.max(delivery.next, this.positions.get(delivery) ?? 0));
      for (const record of delivery.records) records.push(record);
    }
    return records;
  }

  groupMetadata(): ConsumerGroupMetadata {
    return { groupId: this.groupId };
  }

  /**
   * The batches taken so far belong to the transaction being sealed. Releasing a batch taken after
   * the seal when the sealed transaction commits would let kafkajs rejoin a rebalance while that
   * batch's own transaction is still open — and then commit offsets of a partition that moved.
   */
  transactionSealed(): void {
    this.sealed.push(...this.taken.splice(0));
  }

  /**
   * The sealed transaction committed: the eachBatch calls of its batches may return — once its
   * offsets are visible to the member that may take a partition over in the rebalance kafkajs then
   * joins (offsets-visible.ts). Meanwhile the thread goes on; kafkajs fetches on when they return.
   * Why at every commit (one OffsetFetch each) and not only in `beforeRejoin`: kafkajs also rejoins
   * without that hook when it restarts itself after a crash, and then only held batches stop it.
   */
  transactionCommitted(offsets: TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) this.committedHere.set({ topic, partition }, offset);
    const deliveries = this.sealed.splice(0);
    this.releasing = this.releasing
      .then(() => untilOffsetsVisible(this.admin, this.groupId, offsets, () => Date.now() > this.leaveBy))
      .catch((error: unknown) =>
        log.warn({ err: error }, 'leaving without seeing the last committed offsets: the broker did not answer'),
      )
      .finally(() => {
        for (const delivery of deliveries) delivery.release(true);
      });
  }

  private releaseUncommitted(partitions: TopicPartition[]): void {
    const keys = new TopicPartitionSet(partitions);
    for (const list of [this.queued, this.taken, this.sealed]) {
      for (let index = list.length - 1; index >= 0; index -= 1) {
        const delivery = list[index] as Delivery;
        if (!keys.has(delivery)) continue;
        list.splice(index, 1);
        delivery.release(false);
      }
    }
  }

  pause(partitions: TopicPartition[]): void {
    for (const partition of partitions) this.paused.add(partition);
    // A queued batch of a paused partition would block kafkajs's fetch loop: give it back unresolved.
    const keys = new TopicPartitionSet(partitions);
    for (let index = this.queued.length - 1; index >= 0; index -= 1) {
      const delivery = this.queued[index] as Delivery;
      if (!keys.has(delivery)) continue;
      this.queued.splice(index, 1);
      delivery.release(false);
    }
    this.whileRunning('pause', () => this.consumer.pause(groupByTopic(partitions)));
  }

  resume(partitions: TopicPartition[]): void {
    for (const partition of partitions) this.paused.delete(partition);
    this.whileRunning('resume', () => this.consumer.resume(groupByTopic(partitions)));
  }

  /**
   * kafkajs refuses pause/resume while it restarts its consumer after a crash (no consumer group
   * yet). Nothing is lost by skipping: `paused` above keeps deliveries of paused partitions from
   * the runtime, and the rejoin that follows the restart makes the runtime rebuild (and pause) again.
   */
  private whileRunning(what: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      log.warn({ err: error }, `${what} skipped: the kafkajs consumer is restarting`);
    }
  }

  async seekToCommitted(partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    this.releaseUncommitted(partitions);
    const topics = [...new Set(partitions.map(({ topic }) => topic))];
    const committed = await step('fetch committed offsets', () =>
      this.admin.fetchOffsets({ groupId: this.groupId, topics }),
    );
    for (const { topic, partition } of partitions) {
      let offset = Number(
        committed.find((entry) => entry.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset ??
          -1,
      );
      offset = Math.max(offset, this.committedHere.get({ topic, partition }) ?? -1);
      if (offset < 0) {
        const ends = await step('fetch topic offsets', () => this.admin.fetchTopicOffsets(topic));
        offset = Number(ends.find((end) => end.partition === partition)?.low ?? 0);
      }
      this.positions.set({ topic, partition }, offset);
      try {
        this.consumer.seek({ topic, partition, offset: String(offset) });
      } catch (error) {
        // kafkajs is restarting after a crash (no consumer group yet): it rejoins and fetches from
        // the committed offsets anyway, and the join triggers another rebuild.
        log.warn({ err: error, topic, partition }, 'seek skipped: the kafkajs consumer is restarting');
      }
    }
  }

  fetchState(partition: TopicPartition): PartitionFetchState | undefined {
    const end = this.highWatermarks.get(partition);
    return end === undefined ? undefined : { end, position: this.positions.get(partition) };
  }

  /** kafkajs has no poll interval: its fetch loop keeps heartbeating while every partition is paused. */
  async keepAlive(): Promise<void> {}

  async disconnect(): Promise<void> {
    // kafkajs stops only after every eachBatch call returned; what is not committed is read again by the next owner.
    this.leaveBy = Date.now() + LEAVE_WAIT_MS;
    this.leave.abort();
    await this.starting;
    await this.releasing;
    this.releaseUncommitted([...this.queued, ...this.taken, ...this.sealed]);
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }
}
