import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type { StreamRecord } from '../../processors/api/record';
import { RecordFailedError, isRetriable } from '../../core/errors';
import type { Logger } from '../../core/logging';
import { retry, type RetryOptions } from '../../core/retry';
import type { EventTimeBuffer } from '../flow/event-time-buffer';
import type { FlowController } from '../flow/flow-controller';
import type { PressureGauge } from '../flow/pressure-gauge';
import { PartitionPauses } from '../flow/partition-pauses';
import { readToKnownEnd } from '../kafka/read-to-end';
import { TopicPartitionSet } from '../kafka/topic-partition-map';
import type { KafkaAdmin } from '../kafka/admin';
import type { ConsumedRecord, GroupConsumer, KafkaTransport, TopicPartition } from '../kafka/transport';
import {
  applicationReady,
  batchProcessingDuration,
  eventTimePausedPartitions,
  recordsProcessed,
  threadHeartbeat,
} from '../metrics';
import type { Topology } from '../topology/topology';
import { restoreFromChangelogs } from './changelog-restorer';
import { restoreTablesFromSources } from './table-source-restorer';
import { LoopWatchdog } from './loop-watchdog';
import { keepGroupMembershipAlive } from './membership-keep-alive';
import { pendingRecord, type PendingRecord } from './pending-record';
import type { RecordCollector } from './record-collector';
import type { SinkSet } from './sink-set';
import type { SourceDecoders } from './source-decoders';
import type { TaskManager } from './task-manager';

/** How often an idle thread checks that its sinks' services still hold what they were sent. */
const SINK_PROBE_INTERVAL_MS = 1_000;

export interface StreamThreadOptions {
  topology: Topology;
  applicationId: string;
  transport: KafkaTransport;
  consumer: GroupConsumer;
  tasks: TaskManager;
  collector: RecordCollector;
  sinks: SinkSet;
  decoders: SourceDecoders;
  /** The group's committed offsets of table topics, for rebuilding tables from them. */
  admin: KafkaAdmin;
  buffer: EventTimeBuffer<PendingRecord>;
  flow: FlowController;
  commitIntervalMs: number;
  maxBatchRecords: number;
  maxEventTimeAheadMs: number;
  log: Logger;
  retryLogging: (what: string) => RetryOptions;
  stats: { processed: number; commits: number; restoredRecords: number; storeEntries: number };
  /** Told what was processed and committed, for the overload control. */
  pressure: PressureGauge;
  /** Tiered service within the process (runtime/flow/service-gate.ts): absent when the application is alone. */
  turns?: ThreadTurns;
  /** A step of the loop lasting longer than this is logged as a stall. Default 30 s. */
  stallWarningMs?: number;
}

/** A thread's part in tiered service: before each turn it may have to wait; it tells what it processed. */
export interface ThreadTurns {
  /** Before fetching: `lastTurnMs`, how long the previous turn (fetch, process, commit) took. */
  before(lastTurnMs: number): Promise<void>;
  /** After processing `records` records in this turn. */
  processed(records: number): void;
}

/**
 * The loop (Kafka Streams' StreamThread): fetch a batch, decode it, take what is ready in event-time
 * order through the tasks, commit on the interval; rebuild the tasks when the assignment changes.
 * Every wait for a service goes through the one retrier.
 *
 * Why this file is over 400 lines: the loop, the rebuild after a rebalance and the commit-or-abort
 * decision share one piece of state — whether partitions were revoked while a transaction is open —
 * and keeping them together keeps that rule in one place. The restores themselves live in
 * changelog-restorer.ts and table-source-restorer.ts; what stays here is their order (changelogs,
 * then tables from their topics, then the processors' init) inside the paused, kept-alive rebuild.
 */
export class StreamThread {
  private readonly pauses: PartitionPauses;
  private assignment: TopicPartition[] = [];
  private assignmentChanged = false;
  private closeRangeAt: number | undefined;
  private overfull = new TopicPartitionSet();
  private moreReady = false;
  /** Records processed into the transaction not yet sealed: a fetch then waits for nothing more. */
  private processedSinceCommit = 0;
  private stopping = false;
  private lastCommit = Date.now();
  private lastProbe = 0;
  /** Revocations waiting until no transaction is open (committed or aborted). */
  private settledWaiters: (() => void)[] = [];
  /** The commit completing in the background while the next batch is processed (at most one). */
  private committing: Promise<void> | undefined;
  /** A commit refused for good, raised by the loop. */
  private commitFailure: unknown;

  /** Logs a step of the loop that does not end (a client call that never returns). */
  private readonly watchdog: LoopWatchdog;

  constructor(private readonly options: StreamThreadOptions) {
    this.pauses = new PartitionPauses(options.consumer);
    this.watchdog = new LoopWatchdog(
      options.log.child({ application: options.applicationId }),
      options.stallWarningMs ?? 30_000,
    );
  }

  /** The partitions assigned to this thread now. */
  get assigned(): readonly TopicPartition[] {
    return this.assignment;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  async connect(): Promise<void> {
    const { consumer, topology } = this.options;
    await consumer.connect({
      onAssigned: (partitions) => {
        this.assignment = partitions;
        this.assignmentChanged = true;
      },
      onRevoked: () => {
        this.assignment = [];
        this.assignmentChanged = true;
        return this.transactionSettled();
      },
    });
    consumer.subscribe(topology.subtopologies.filter((sub) => !sub.global).flatMap((sub) => sub.sourceTopics));
  }

  /**
   * Asks the loop to finish the batch, commit and return. `closeRangeAt`: the input was bounded and
   * is read to its end (a replay's range): the final commit also carries what stream time `closeRangeAt`
   * closes — every window's final result.
   */
  stop(closeRangeAt?: number): void {
    this.closeRangeAt = closeRangeAt;
    this.stopping = true;
  }

  /** Resolves once no transaction is open: a revocation waits for it. */
  private transactionSettled(): Promise<void> {
    if (!this.options.collector.transactionOpen) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private settle(): void {
    if (this.options.collector.transactionOpen) return;
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }

  async disconnect(): Promise<void> {
    await this.options.consumer.disconnect();
  }

  /**
   * Runs until stop(); returns after a final commit. A commit overlaps the next batch: its
   * synchronous part seals the transaction (state, offsets, output taken), and while the sinks
   * acknowledge and the broker commits, the loop fetches and processes on into memory — records for
   * the next transaction, sink writes for the next flush. Only one commit is in flight: the next
   * one, and any rebuild, waits for it.
   */
  async run(): Promise<void> {
    this.watchdog.start();
    try {
      await this.loop();
    } finally {
      this.watchdog.stop();
    }
  }

  private async loop(): Promise<void> {
    const { consumer, collector, decoders, buffer, flow, sinks, commitIntervalMs, maxBatchRecords, retryLogging } =
      this.options;
    let lastTurnMs = 0;
    while (!this.stopping) {
      // Let I/O callbacks and timers run between batches: with records already fetched, every await
      // below can resolve at once, and a loop of resolved promises would starve the global tables'
      // follower, the metrics server and the sinks' sockets for as long as a backlog lasts.
      await setImmediatePromise();
      this.watchdog.enter('waiting for its turn');
      await this.options.turns?.before(lastTurnMs);
      const turnStarted = performance.now();
      threadHeartbeat.set({ application: this.options.applicationId }, Date.now() / 1000);
      this.raiseCommitFailure();
      if (this.assignmentChanged) {
        await this.commitSettled();
        this.raiseCommitFailure();
        // Whatever the open transaction holds may touch partitions we lost: drop it and rebuild.
        this.assignmentChanged = false;
        await this.options.tasks
          .abort()
          .catch((error: unknown) =>
            this.options.log.warn({ err: error }, 'abort failed; the next transaction fences it'),
          );
        // A failed abort leaves nothing to commit here: the next begin fences what was left open.
        this.options.collector.forgetTransaction();
        this.settle();
        // A broker that is down while we restore: wait for it (a rebalance meanwhile restarts the rebuild).
        this.watchdog.enter('restoring tasks');
        await retry(() => this.rebuildTasks(), retryLogging('restoring tasks'));
        continue;
      }
      const waitMs = this.fetchWaitMs();
      this.watchdog.enter('fetching (the Kafka client has not returned)');
      const records = await retry(() => consumer.consumeBatch(maxBatchRecords, waitMs), retryLogging('consuming'));
      flow.fetched(records, performance.now());
      if (this.assignmentChanged) continue;
      // Writer schemas of Avro sources are resolved per batch; a registry that is down is waited for.
      this.watchdog.enter('resolving writer schemas');
      await retry(() => decoders.prepare(records), retryLogging('resolving writer schemas'));
      this.watchdog.enter('processing');
      if ((records.length > 0 || buffer.size > 0) && !collector.transactionOpen) await collector.begin();
      const processed = this.process(records);
      this.processedSinceCommit += processed;
      if (processed > 0) this.options.turns?.processed(processed);
      await this.openForPendingWork();
      // Commit on the interval; on an empty batch (caught up, or kafkajs waiting for its held batches);
      // and when backpressure paused every lane, since committing is what flushes the sinks and drains them.
      if (records.length === 0 || flow.saturated || Date.now() - this.lastCommit >= commitIntervalMs) {
        this.watchdog.enter('committing');
        await this.commitSettled();
        if (this.assignmentChanged || this.commitFailure !== undefined) continue;
        // What waited for the commit in flight (processed meanwhile) opens the next transaction.
        await this.openForPendingWork();
        this.startCommit();
        flow.observe(sinks.load(), this.assignment, this.pauses, performance.now());
      }
      if (records.length === 0) {
        if (this.pauses.heldBy('backpressure') === 0 && buffer.size === 0 && readToKnownEnd(consumer, this.assignment))
          this.options.pressure.idle();
        await this.commitSettled();
        this.watchdog.enter('probing the sinks');
        await this.probeSinksWhileIdle();
      }
      lastTurnMs = performance.now() - turnStarted;
    }
    await this.commitSettled();
    this.raiseCommitFailure();
    if (this.closeRangeAt !== undefined) {
      if (!this.options.collector.transactionOpen) await this.options.collector.begin();
      this.options.tasks.advanceStreamTime(this.closeRangeAt);
      this.options.sinks.writePending();
    }
    await this.openForPendingWork();
    await this.commitNow();
  }

  /**
   * How long a fetch may wait for records. Records queued and ready for their event-time turn, or
   * records processed into the open transaction: not at all, take what the client has fetched. An
   * empty fetch then means caught up, and caught up commits at once — a client that waits for the
   * first record (node-rdkafka waits up to a second) would otherwise hold a processed record from its
   * commit, and from the sinks, until the next record happened to come: on a quiet topic each hop
   * added the gap between records. A busy thread commits on the interval. Otherwise (nothing
   * processed; buffered records waiting for the other partitions of their task) the client's own
   * wait, so that waiting for alignment does not turn into a loop of empty commits.
   */
  private fetchWaitMs(): number | undefined {
    return this.moreReady || this.processedSinceCommit > 0 ? 0 : undefined;
  }

  /** A commit the loop waits for (idle, or stopping). */
  private async commitNow(): Promise<void> {
    this.startCommit();
    await this.commitSettled();
    this.raiseCommitFailure();
  }

  /** Seals the open transaction now and completes its commit in the background. */
  private startCommit(): void {
    this.lastCommit = Date.now();
    this.processedSinceCommit = 0;
    this.committing = this.commitOrRecover()
      .catch((error: unknown) => {
        this.commitFailure = error;
      })
      .finally(() => {
        this.committing = undefined;
      });
  }

  /**
   * Waits for the commit in flight, if any; the loop does not fetch meanwhile, so the group
   * membership is kept alive (a sink that is down can hold a commit for long).
   */
  private async commitSettled(): Promise<void> {
    if (!this.committing) return;
    const keepingAlive = keepGroupMembershipAlive(this.options.consumer, this.options.log);
    try {
      await this.committing;
    } finally {
      await keepingAlive.stop();
    }
  }

  private raiseCommitFailure(): void {
    if (this.commitFailure === undefined) return;
    const error = this.commitFailure;
    this.commitFailure = undefined;
    throw error;
  }

  /** Builds the tasks of the current assignment, each restored from its changelogs before it processes anything. */
  private async rebuildTasks(): Promise<void> {
    const { consumer, tasks, topology, transport, applicationId, buffer, flow, log, stats } = this.options;
    await tasks.clear();
    const assignment = this.assignment;
    // Ready once the assignment's tasks are restored (at once for none); not ready while they restore.
    applicationReady.set({ application: applicationId }, assignment.length === 0 ? 1 : 0);
    if (assignment.length === 0) return;
    consumer.pause(assignment);
    // Records fetched after the last commit were part of the aborted transaction: read them again.
    await consumer.seekToCommitted(assignment);
    const started = Date.now();
    const created = tasks.createTasks(assignment, Date.now);
    const keepingAlive = keepGroupMembershipAlive(consumer, log);
    try {
      const { restoredPerTask, held, resumed } = await restoreFromChangelogs(
        created,
        topology,
        transport,
        applicationId,
      );
      const fromTables = await restoreTablesFromSources(
        created,
        transport,
        this.options.admin,
        this.options.decoders,
        applicationId,
      );
      for (const [active, count] of fromTables)
        restoredPerTask.set(active.id, (restoredPerTask.get(active.id) ?? 0) + count);
      tasks.initAll();
      log.info({ tasks: tasks.ids(), partitions: assignment.length }, 'tasks assigned');
      const restored = [...restoredPerTask.values()].reduce((sum, count) => sum + count, 0);
      stats.restoredRecords += restored;
      stats.storeEntries = held;
      if (restored > 0 || resumed > 0)
        log.info(
          {
            tasks: Object.fromEntries([...restoredPerTask].map(([id, count]) => [String(id), count])),
            restored,
            held,
            resumedFromCheckpoint: resumed,
            ms: Date.now() - started,
          },
          'restored state from changelog',
        );
    } finally {
      await keepingAlive.stop();
      consumer.resume(assignment);
      buffer.reset(Date.now());
      this.overfull = new TopicPartitionSet();
      this.pauses.reapply(assignment);
      flow.reapply(assignment, this.pauses);
      this.pauses.hold('buffer', []);
      tasks.publishCount();
      applicationReady.set({ application: applicationId }, 1);
    }
  }

  /**
   * Takes a fetched batch: each record decoded and its event time extracted, then queued per source
   * partition; what is ready goes through the tasks in event-time order (event-time-buffer.ts),
   * synchronously. Returns how many records were taken through the tasks.
   */
  private process(fetched: ConsumedRecord[]): number {
    const { applicationId, buffer, consumer, flow, sinks, tasks, maxBatchRecords } = this.options;
    const timer = batchProcessingDuration.startTimer({ application: applicationId });
    const now = Date.now();
    const latestTrusted = now + this.options.maxEventTimeAheadMs;
    const arrived: PendingRecord[] = [];
    for (const consumed of fetched) {
      const active = tasks.taskFor(consumed);
      if (!active) continue; // revoked meanwhile: the new owner processes it
      arrived.push(pendingRecord(consumed, active, this.options.decoders, latestTrusted));
    }
    const passing = buffer.add(arrived);
    const limit = Math.max(0, maxBatchRecords - passing.length);
    const taken = buffer.takeReady(
      this.assignment,
      (partition) => consumer.fetchState(partition),
      (partition) => flow.isPaused(partition.topic),
      now,
      limit,
    );
    // A full take may have left ready records behind: the next fetch must not wait for new ones.
    this.moreReady = taken.length >= limit && buffer.size > 0;
    const ready = [...passing, ...taken];
    const perTopic = new Map<string, number>();
    for (const pending of ready) {
      perTopic.set(pending.topic, (perTopic.get(pending.topic) ?? 0) + 1);
      this.processOne(pending);
    }
    for (const [topic, count] of perTopic) recordsProcessed.inc({ application: applicationId, topic }, count);
    this.options.pressure.processed(ready);
    this.options.pressure.waiting(buffer.oldestQueued(this.options.pressure.unwatched));
    tasks.punctuateAll(now);
    const handedOver = performance.now();
    sinks.writePending();
    flow.observe(sinks.load(), this.assignment, this.pauses, handedOver);
    this.boundBuffer();
    timer();
    return ready.length;
  }

  private processOne({ consumed, active, record, undecodable }: PendingRecord): void {
    const { collector, stats } = this.options;
    // The position moves only with the record processed: a commit never covers a record still queued.
    active.positions.set(consumed.topic, consumed.offset);
    stats.processed += 1;
    if (undecodable) {
      collector.deadLetterUndecodable(consumed, undecodable);
      return;
    }
    collector.processingRecord(consumed);
    try {
      active.task.process(consumed.topic, record as StreamRecord);
    } catch (error) {
      // Error policy FAIL (or a bug in the runtime): stop, and say which record did it.
      throw new RecordFailedError(consumed, error);
    } finally {
      collector.processingRecord(undefined);
    }
  }

  /** Pauses the source partitions whose queue is over its bound, until they drained to half. */
  private boundBuffer(): void {
    const full = this.options.buffer.overfull(this.overfull);
    if (full.length === 0 && this.overfull.size === 0) return;
    this.overfull = new TopicPartitionSet(full);
    this.pauses.hold('buffer', full);
    eventTimePausedPartitions.set({ application: this.options.applicationId }, full.length);
  }

  /**
   * While nothing is written, a sink cannot notice that its service lost its data (Redis restarted
   * empty): probe them about once a second, and on a loss commit once, which writes every open
   * window again — dashboards are complete again within a second and a commit, with or without traffic.
   */
  private async probeSinksWhileIdle(): Promise<void> {
    const { collector, sinks, tasks } = this.options;
    if (collector.transactionOpen || Date.now() - this.lastProbe < SINK_PROBE_INTERVAL_MS || tasks.size === 0) return;
    this.lastProbe = Date.now();
    if (!(await sinks.probe())) return;
    await collector.begin();
    await this.commitNow();
  }

  /** Opens a transaction for what idle punctuation emitted: records to produce, or sink writes to flush. */
  private async openForPendingWork(): Promise<void> {
    const { collector, sinks } = this.options;
    if (collector.transactionOpen || (!collector.hasUnsent && sinks.load().records === 0)) return;
    await collector.begin();
  }

  private async commitOrRecover(): Promise<void> {
    try {
      await this.commitUnlessRevoked();
    } finally {
      this.settle();
    }
  }

  /**
   * Commits the open transaction — unless partitions were revoked since it began: its records may
   * belong to partitions another member now owns, so it is aborted and the tasks rebuilt.
   */
  private async commitUnlessRevoked(): Promise<void> {
    const { tasks, collector, consumer, log, stats } = this.options;
    if (this.assignmentChanged) {
      await tasks
        .abort()
        .catch((error: unknown) => log.warn({ err: error }, 'abort failed; the next transaction fences it'));
      collector.forgetTransaction();
      return;
    }
    try {
      // Sealed synchronously, before the caller processes anything more (see run()).
      const prepared = tasks.prepareCommit();
      if (!prepared) return;
      consumer.transactionSealed();
      await tasks.completeCommit(prepared, consumer);
      stats.commits += 1;
      this.options.pressure.committed();
    } catch (error) {
      // A commit the broker refuses for good (fenced by a newer instance, a record too large) would
      // fail the same way after every rebuild: stop with the error instead of looping.
      if (!isRetriable(error)) {
        await tasks.abort().catch(() => undefined);
        throw error;
      }
      // Rebalanced under us or a transient failure: nothing of this transaction counts; rebuild from the changelogs.
      log.warn({ err: error }, 'commit failed; aborting and rebuilding tasks from committed state');
      await tasks.abort().catch(() => undefined);
      collector.forgetTransaction();
      this.assignmentChanged = true;
    }
  }
}
