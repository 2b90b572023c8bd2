import type { SampleRates } from '../../processors/api/processor';
import type { EventTimeRange } from '../task/stream-task';
import { join } from 'node:path';
import type { Logger } from '../../core/logging';
import type { KafkaAdmin } from '../kafka/admin';
import type { BuiltStore } from '../state/build-store';
import { writeCheckpoint } from '../state/store-checkpoint';
import type { GroupConsumer, TopicPartition, TopicPartitionOffset } from '../kafka/transport';
import { activeTasks, commitDuration, droppedRecords } from '../metrics';
import { StreamTask, type ErrorPolicy } from '../task/stream-task';
import { TaskId } from '../task/task-id';
import type { Topology } from '../topology/topology';
import type { RecordCollector } from './record-collector';
import { encodeInternal } from './record-codec';
import type { SinkSet } from './sink-set';

/** A commit whose transaction is sealed: its offsets, and its duration's timer. */
export interface PreparedCommit {
  offsets: TopicPartitionOffset[];
  timer: () => void;
}

/** A task of this instance and how far it got. */
export interface ActiveTask {
  id: TaskId;
  task: StreamTask;
  partition: number;
  /** Last processed offset per source topic of this task. */
  positions: Map<string, number>;
}

export interface TaskManagerOptions {
  topology: Topology;
  applicationId: string;
  errorPolicy?: ErrorPolicy;
  maxEventTimeAheadMs: number;
  collector: RecordCollector;
  sinks: SinkSet;
  log: Logger;
  /** True once the application is asked to stop: a sink flush then stops waiting. */
  stopping: () => boolean;
  /** Where this instance keeps its tasks' persistent stores (one directory per task); in memory without. */
  stateDir?: string;
  /** The global tables' stores, which every task's joins read. */
  sharedStores?: ReadonlyMap<string, BuiltStore>;
  /** The overload control's rates per lane, for the tasks' samplers. */
  sampleRates?: (lane: string) => SampleRates;
  /** A replay's event-time range (runtime/task/stream-task.ts). */
  eventTimeRange?: EventTimeRange;
}

/**
 * The tasks of this instance — one per sub-topology and input partition of the assignment — and the
 * commit protocol over all of them (see docs/runtime.md): 1. the dirty state to the changelogs and
 * the consumed offsets taken, in the open transaction, which is then sealed; 2. the sinks flushed and
 * their acknowledgement awaited; 3. the transaction committed with the offsets and the output,
 * repartition, changelog and DLQ records it holds.
 */
export class TaskManager {
  private readonly tasks = new Map<TaskId, ActiveTask>();
  private readonly subtopologyOfTopic = new Map<string, number>();

  constructor(private readonly options: TaskManagerOptions) {
    // A global table's topic is read by the application's global tables (global-tables.ts), not by a task.
    for (const sub of options.topology.subtopologies.filter((candidate) => !candidate.global))
      for (const topic of sub.sourceTopics) this.subtopologyOfTopic.set(topic, sub.id);
  }

  get size(): number {
    return this.tasks.size;
  }

  /** The task ids, as logs print them. */
  ids(): string[] {
    return [...this.tasks.keys()].map(String);
  }

  all(): IterableIterator<ActiveTask> {
    return this.tasks.values();
  }

  /** The task that processes this source partition, if it is assigned here. */
  taskFor({ topic, partition }: TopicPartition): ActiveTask | undefined {
    const subtopology = this.subtopologyOfTopic.get(topic);
    return subtopology === undefined ? undefined : this.tasks.get(TaskId.of(subtopology, partition));
  }

  /** The last processed offset of a source partition, if its task processed any. */
  positionOf(partition: TopicPartition): number | undefined {
    return this.taskFor(partition)?.positions.get(partition.topic);
  }

  /**
   * Drops every task (their state is rebuilt from the changelogs). Their on-disk stores close
   * without a checkpoint: they may hold writes of a transaction that did not commit.
   */
  async clear(): Promise<void> {
    for (const { task } of this.tasks.values()) await task.closeStores();
    this.tasks.clear();
    activeTasks.set({ application: this.options.applicationId }, 0);
  }

  /** Builds a task for each sub-topology reading a partition of the assignment; not initialised yet. */
  createTasks(assignment: readonly TopicPartition[], wallClock: () => number): ActiveTask[] {
    const { topology, applicationId, errorPolicy, maxEventTimeAheadMs, collector, sinks } = this.options;
    const created: ActiveTask[] = [];
    for (const { topic, partition } of assignment) {
      const subtopology = this.subtopologyOfTopic.get(topic);
      if (subtopology === undefined) continue;
      const id = TaskId.of(subtopology, partition);
      if (this.tasks.has(id)) continue;
      const task = new StreamTask(topology, {
        applicationId,
        taskId: String(id),
        subtopologies: [subtopology],
        outputs: collector.outputs(sinks),
        errorPolicy,
        wallClock,
        maxEventTimeAheadMs,
        sharedStores: this.options.sharedStores,
        sampleRates: this.options.sampleRates,
        eventTimeRange: this.options.eventTimeRange,
        persistence: this.options.stateDir ? { taskDir: join(this.options.stateDir, String(id)) } : undefined,
      });
      const active = { id, task, partition, positions: new Map<string, number>() };
      this.tasks.set(id, active);
      created.push(active);
    }
    return created;
  }

  /** After restore: every task's processors initialised; the active-task gauge set. */
  initAll(): void {
    for (const { task } of this.tasks.values()) task.init();
  }

  publishCount(): void {
    activeTasks.set({ application: this.options.applicationId }, this.tasks.size);
  }

  punctuateAll(now: number): void {
    for (const { task } of this.tasks.values()) task.punctuate('wall-clock', now);
  }

  /** Every task's stream time to `ms` (a replay's range read to its end: its windows close). */
  advanceStreamTime(ms: number): void {
    for (const { task } of this.tasks.values()) task.advanceStreamTime(ms);
  }

  /**
   * The synchronous part of a commit: held-back output (rate-limited window updates) handed to the
   * sinks, the dirty state to the changelogs and the positions taken, then the transaction sealed.
   * From here on the tasks may process the next batch while `completeCommit` waits: what they
   * produce waits for the next transaction, their sink writes for the next flush.
   */
  prepareCommit(): PreparedCommit | undefined {
    const { applicationId, collector, sinks, topology } = this.options;
    if (!collector.transactionOpen) return undefined;
    const timer = commitDuration.startTimer({ application: applicationId });
    for (const active of this.tasks.values()) active.task.flushProcessors();
    sinks.writePending();
    const offsets: TopicPartitionOffset[] = [];
    for (const active of this.tasks.values()) {
      for (const [node, reasons] of active.task.metrics.dropped)
        for (const [reason, count] of reasons) droppedRecords.inc({ application: applicationId, node, reason }, count);
      active.task.metrics.dropped.clear();
      for (const entry of active.task.flushState()) {
        const changelog = topology.stores.get(entry.store)?.changelogTopic as string;
        collector.send({
          topic: changelog,
          partition: active.partition,
          // An entry-logged aggregate's deltas are keyed by (store key, delta number).
          key: encodeInternal(entry.delta === undefined ? entry.key : [entry.key, entry.delta]),
          value: encodeInternal(entry.value),
        });
      }
      for (const [topic, offset] of active.positions)
        offsets.push({ topic, partition: active.partition, offset: offset + 1 });
    }
    collector.seal();
    return { offsets, timer };
  }

  /**
   * Waits for the sinks' acknowledgement of what the sealed transaction wrote (retrying a service
   * that is down), then commits it with its offsets; rejects when it did not commit. The caller keeps the group membership alive
   * if it does not fetch meanwhile.
   */
  async completeCommit(prepared: PreparedCommit, consumer: GroupConsumer): Promise<void> {
    const { collector, sinks, log, stopping } = this.options;
    await sinks.flush(stopping);
    const resend = sinks.dataLost();
    if (resend) {
      // Redis restarted empty: write the current value of every open window again, in this commit.
      for (const active of this.tasks.values()) active.task.resendOpenResults();
      log.warn(
        { tasks: this.tasks.size },
        'a sink does not hold what was written before (restarted empty, or a first start): the current results of all open windows are written again',
      );
      await sinks.flush(stopping);
    }
    await collector.commit(prepared.offsets, consumer);
    if (resend) {
      sinks.resent();
      log.info({ tasks: this.tasks.size }, 'open results written again and committed');
    }
    prepared.timer();
  }

  /**
   * Nothing of the open transaction counts: sink writes and records are dropped — with those that
   * waited for the next transaction (processed while a commit was in flight): the tasks are rebuilt
   * from the changelogs and read their input again from the committed offsets.
   */
  async abort(): Promise<void> {
    this.options.sinks.discard();
    await this.options.collector.abort();
  }

  /**
   * Closes every task. After a clean stop (`checkpointWith`: the last commit succeeded) each on-disk
   * store gets a checkpoint at its changelog partition's end, so the next start restores only what
   * is written after it (store-checkpoint.ts).
   */
  async close(checkpointWith?: KafkaAdmin): Promise<void> {
    const ends = new Map<string, Map<number, number>>();
    const endOf = async (topic: string, partition: number) => {
      let partitions = ends.get(topic);
      if (!partitions && checkpointWith)
        ends.set(
          topic,
          (partitions = new Map((await checkpointWith.endOffsets(topic)).map((end) => [end.partition, end.high]))),
        );
      return partitions?.get(partition);
    };
    for (const { task, partition } of this.tasks.values()) {
      task.close();
      for (const built of task.stores.values()) {
        const changelog = this.options.topology.stores.get(built.spec.name)?.changelogTopic;
        if (!built.persistent || !changelog || !checkpointWith) continue;
        built.persistent.store.flushWrites();
        const offset = await endOf(changelog, partition);
        if (offset !== undefined) writeCheckpoint(built.persistent.dir, { changelog, partition, offset });
      }
      await task.closeStores();
    }
    this.tasks.clear();
  }
}
