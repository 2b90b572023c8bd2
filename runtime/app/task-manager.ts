import type { Logger } from '../../core/logging';
import type { GroupConsumer, TopicPartition, TopicPartitionOffset } from '../kafka/transport';
import { activeTasks, commitDuration, droppedRecords } from '../metrics';
import { StreamTask, type ErrorPolicy } from '../task/stream-task';
import { TaskId } from '../task/task-id';
import type { Topology } from '../topology/topology';
import { keepGroupMembershipAlive } from './membership-keep-alive';
import type { RecordCollector } from './record-collector';
import { encodeJson } from './record-codec';
import type { SinkSet } from './sink-set';

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
}

/**
 * The tasks of this instance — one per sub-topology and input partition of the assignment — and the
 * commit protocol over all of them (see docs/runtime.md): 1. flush the sinks and wait for their
 * acknowledgement; 2. the dirty state to the changelogs and 3. the consumed offsets, both in the open
 * transaction, which then commits with the output, repartition and DLQ records it already holds.
 */
export class TaskManager {
  private readonly tasks = new Map<TaskId, ActiveTask>();
  private readonly subtopologyOfTopic = new Map<string, number>();

  constructor(private readonly options: TaskManagerOptions) {
    for (const sub of options.topology.subtopologies)
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

  /** Drops every task (their state is rebuilt from the changelogs). */
  clear(): void {
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

  /** Commits the open transaction of every task (the protocol above); rejects when it did not commit. */
  async commit(consumer: GroupConsumer): Promise<void> {
    const { applicationId, collector, sinks, log, topology, stopping } = this.options;
    if (!collector.transactionOpen) return;
    const timer = commitDuration.startTimer({ application: applicationId });
    // Held-back output (rate-limited window updates) joins this commit, before the sinks flush.
    for (const active of this.tasks.values()) active.task.flushProcessors();
    // A sink that is down makes this wait (retrying): keep the group membership meanwhile.
    const keepingAlive = keepGroupMembershipAlive(consumer, log);
    let resend = false;
    try {
      await sinks.flush(stopping);
      resend = sinks.dataLost();
      if (resend) {
        // Redis restarted empty: write the current value of every open window again, in this commit.
        for (const active of this.tasks.values()) active.task.resendOpenResults();
        log.warn(
          { tasks: this.tasks.size },
          'a sink does not hold what was written before (restarted empty, or a first start): the current results of all open windows are written again',
        );
        await sinks.flush(stopping);
      }
    } finally {
      await keepingAlive.stop();
    }
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
          key: encodeJson(entry.key),
          value: encodeJson(entry.value),
        });
      }
      for (const [topic, offset] of active.positions)
        offsets.push({ topic, partition: active.partition, offset: offset + 1 });
    }
    await collector.commit(offsets, consumer);
    if (resend) {
      sinks.resent();
      log.info({ tasks: this.tasks.size }, 'open results written again and committed');
    }
    timer();
  }

  /** Nothing of the open transaction counts: sink writes and records are dropped. */
  async abort(): Promise<void> {
    if (this.options.collector.transactionOpen) this.options.sinks.discard();
    await this.options.collector.abort();
  }

  close(): void {
    for (const { task } of this.tasks.values()) task.close();
  }
}
