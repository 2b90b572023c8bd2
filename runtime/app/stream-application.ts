import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { StreamRecord } from '../../processors/api/record';
import { ConfigError, RecordFailedError, isRetriable } from '../../core/errors';
import type { Logger } from '../../core/logging';
import { createLogger } from '../../core/logging';
import { dlqTopic } from '../naming';
import { retry } from '../../core/retry';
import { StreamTask, type ErrorPolicy } from '../task/stream-task';
import type { DeadLetter, TaskOutputs } from '../task/task-outputs';
import type { Topology } from '../topology/topology';
import type {
  ConsumedRecord,
  GroupConsumer,
  KafkaTransport,
  ProducedRecord,
  TopicPartition,
  TransactionalProducer,
} from '../kafka/transport';
import { decodeJson, encodeJson } from './record-codec';
import { DecodeError } from '../../schemas/serde/decode-error';
import type { SchemaRegistryClient } from '../../schemas/serde/registry-client';
import {
  activeTasks,
  batchProcessingDuration,
  commitDuration,
  consumerLag,
  decodeFailures,
  droppedRecords,
  eventTimePausedPartitions,
  recordsProcessed,
  recordsProduced,
  restoredRecords,
} from '../metrics';
import {
  DEFAULT_EVENT_TIME_BUFFER,
  EventTimeBuffer,
  partitionKey,
  type BufferedRecord,
  type EventTimeBufferOptions,
} from '../flow/event-time-buffer';
import { DEFAULT_FLOW_CONTROL, type FlowControlOptions, type Lane } from '../flow/flow-control';
import { FlowController } from '../flow/flow-controller';
import { PartitionPauses } from '../flow/partition-pauses';
import { DLQ_MAX_MESSAGE_BYTES, DeadLetterQueue } from './dead-letter-queue';
import { SinkSet, type SinkResolver } from './sink-set';
import { SourceDecoders } from './source-decoders';

export interface StreamApplicationOptions {
  topology: Topology;
  applicationId: string;
  transport: KafkaTransport;
  admin: Admin;
  /** Stable across restarts of the same instance: names its transactional producer, which fences a crashed predecessor. */
  instanceId: string;
  commitIntervalMs?: number;
  maxBatchRecords?: number;
  errorPolicy?: ErrorPolicy;
  logger?: Logger;
  /** Resolves the topology's sink descriptors (redis, clickhouse...) to adapters; required if it has any. */
  sinks?: SinkResolver;
  /** Required when a source declares an Avro `valueSchema`. */
  registry?: SchemaRegistryClient;
  /** Backpressure marks; defaults in runtime/flow/flow-control.ts. */
  flowControl?: Partial<FlowControlOptions>;
  /** How often consumer lag per partition is measured (ms). Default 5 s. */
  lagIntervalMs?: number;
  /** Event times further ahead of the wall clock go to the DLQ (`future-event-time`). Default 15 min. */
  maxEventTimeAheadMs?: number;
  /** Event-time-aligned consumption of the source partitions; defaults in runtime/flow/event-time-buffer.ts. */
  alignment?: Partial<EventTimeBufferOptions>;
  /** A sink failing longer than this logs a "pipeline stalled" warning. Default 30 s. */
  stallWarningMs?: number;
}

export const DEFAULT_MAX_EVENT_TIME_AHEAD_MS = 15 * 60_000;

/** Records taken through the tasks per loop turn; backpressure is checked between turns. */
const DEFAULT_MAX_BATCH_RECORDS = 5_000;

/** The largest changelog record (one store entry) the runtime's topics accept. */
export const MAX_STATE_RECORD_BYTES = 16 * 1024 * 1024;

/** How often an idle application checks that its sinks' services still hold what they were sent. */
const SINK_PROBE_INTERVAL_MS = 1_000;

/** How often a restoring application polls its group consumer: well inside any poll interval (≥ 10 s). */
const KEEP_ALIVE_INTERVAL_MS = 3_000;

/** A fetched record waiting for its turn in event-time order: decoded, or the reason it cannot be. */
interface PendingRecord extends BufferedRecord {
  consumed: ConsumedRecord;
  active: ActiveTask;
  record?: StreamRecord;
  undecodable?: DecodeError;
}

interface ActiveTask {
  task: StreamTask;
  partition: number;
  /** Last processed offset per source topic of this task. */
  positions: Map<string, number>;
}

/**
 * Why this file is long: it still does several jobs — building and restoring tasks, the record
 * path, the commit protocol and the loop. Splitting it by job, as Kafka Streams splits StreamThread,
 * TaskManager, RecordCollector and StoreChangelogReader, is the next planned change.
 *
 * Runs a topology on Kafka (see docs/runtime.md). One task per sub-topology and input partition. Each commit
 * is one Kafka transaction holding everything since the last one: output and repartition records,
 * DLQ records, the changelog of every dirty store entry, and the consumed offsets. A crash anywhere
 * therefore leaves either the whole commit or none of it; a restarted instance restores its stores
 * from the changelogs and continues from the committed offsets onto exactly that state.
 */
export class StreamApplication {
  private readonly log: Logger;
  private readonly tasks = new Map<string, ActiveTask>();
  private readonly subtopologyOfTopic = new Map<string, number>();
  private readonly internalTopics: ReadonlySet<string>;
  private readonly decoders: SourceDecoders;
  private readonly sinks: SinkSet;
  private readonly flow: FlowController;
  private readonly buffer: EventTimeBuffer<PendingRecord>;
  private overfull = new Set<string>();
  private moreReady = false;
  /** The fetched record the tasks are processing now: a dead letter of it keeps its original bytes. */
  private processing: ConsumedRecord | undefined;
  private readonly deadLetters: DeadLetterQueue;
  private pauses!: PartitionPauses;
  private lagTimer: NodeJS.Timeout | undefined;
  private consumer!: GroupConsumer;
  private producer!: TransactionalProducer;
  private assignment: TopicPartition[] = [];
  private assignmentChanged = false;
  private transactionOpen = false;
  private stopping = false;
  private lastCommit = Date.now();
  private lastProbe = 0;
  private readonly producedPerTopic = new Map<string, number>();
  /** Records emitted while no transaction was open (wall-clock punctuation when idle): sent in the next one. */
  private unsent: ProducedRecord[] = [];
  readonly stats = { processed: 0, commits: 0, restoredRecords: 0 };

  constructor(private readonly options: StreamApplicationOptions) {
    this.log = options.logger ?? createLogger('application');
    const { topology } = options;
    if (topology.subtopologies.some((sub) => sub.global)) {
      throw new ConfigError(`topology "${topology.name}": global tables are not supported by the Kafka runtime yet`);
    }
    for (const sub of topology.subtopologies)
      for (const topic of sub.sourceTopics) this.subtopologyOfTopic.set(topic, sub.id);
    this.internalTopics = new Set(topology.internalTopics);
    this.decoders = new SourceDecoders(topology, this.internalTopics, options.registry);
    this.deadLetters = new DeadLetterQueue(options.applicationId, (record) => this.send(record));
    this.sinks = new SinkSet(topology, options.sinks, {
      applicationId: options.applicationId,
      log: this.log,
      stallWarningMs: options.stallWarningMs,
      onRefused: (sink, record, error) => this.deadLetterRecord(record, error, { reason: 'sink-refused', sink }),
    });
    const externalSources = topology.subtopologies
      .filter((sub) => !sub.global)
      .flatMap((sub) => sub.sourceTopics)
      .filter((topic) => !this.internalTopics.has(topic));
    this.buffer = new EventTimeBuffer(new Set(externalSources), { ...DEFAULT_EVENT_TIME_BUFFER, ...options.alignment });
    this.flow = new FlowController(
      lanesOf(topology, this.internalTopics),
      { ...DEFAULT_FLOW_CONTROL, ...options.flowControl },
      options.applicationId,
    );
  }

  /** Creates the internal topics (repartition: delete; changelog: compact) with the input's partition count. */
  private async createInternalTopics(): Promise<void> {
    const { admin, topology } = this.options;
    const metadata = await admin.fetchTopicMetadata({ topics: [...topology.sourceTopics] });
    const partitions = Math.max(...metadata.topics.map((topic) => topic.partitions.length));
    const existing = new Set(await admin.listTopics());
    const absentOutputs = topology.sinkTopics.filter((topic) => !existing.has(topic));
    if (absentOutputs.length > 0) {
      // Output topics are the user's to create (partitions, retention); a typo must not fail at the first commit.
      throw new ConfigError(
        `topology "${topology.name}" writes to topics that do not exist: ${absentOutputs.join(', ')}`,
      );
    }
    const dlq = dlqTopic(this.options.applicationId);
    const missing = [...topology.internalTopics, dlq].filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: topic === dlq ? 1 : partitions,
        configEntries:
          topic === dlq
            ? [
                { name: 'retention.ms', value: String(14 * 24 * 3_600_000) },
                // Larger than any source record by default, so a dead letter keeps its original bytes.
                { name: 'max.message.bytes', value: String(DLQ_MAX_MESSAGE_BYTES) },
              ]
            : topic.endsWith('-changelog')
              ? [
                  { name: 'cleanup.policy', value: 'compact' },
                  // A window aggregate with exact distinct counts is one record: a popular title's
                  // minute can outgrow the broker's 1 MB default.
                  { name: 'max.message.bytes', value: String(MAX_STATE_RECORD_BYTES) },
                ]
              : [{ name: 'cleanup.policy', value: 'delete' }],
      })),
    });
    this.log.info({ topics: missing, partitions }, 'created internal topics');
  }

  /** A DLQ created earlier may have the broker's default limit: dead letters are sized to what it accepts. */
  private async readDeadLetterLimit(): Promise<void> {
    const described = await this.options.admin.describeConfigs({
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: this.deadLetters.topic, configNames: ['max.message.bytes'] },
      ],
      includeSynonyms: false,
    });
    const value = described.resources[0]?.configEntries.find((entry) => entry.configName === 'max.message.bytes');
    if (value && Number(value.configValue) > 0) this.deadLetters.limitTo(Number(value.configValue));
  }

  async start(): Promise<void> {
    const { transport, applicationId, instanceId, topology } = this.options;
    await retry(() => this.createInternalTopics(), this.retryLogging('creating internal topics'));
    await retry(() => this.readDeadLetterLimit(), this.retryLogging('reading the DLQ limit'));
    this.producer = transport.transactionalProducer(`${applicationId}-${instanceId}`);
    await retry(() => this.producer.connect(), this.retryLogging('connecting the producer'));
    this.consumer = transport.consumer(applicationId);
    this.pauses = new PartitionPauses(this.consumer);
    await this.consumer.connect({
      onAssigned: (partitions) => {
        this.assignment = partitions;
        this.assignmentChanged = true;
      },
      onRevoked: () => {
        this.assignment = [];
        this.assignmentChanged = true;
      },
    });
    this.consumer.subscribe([...topology.subtopologies.flatMap((sub) => sub.sourceTopics)]);
    let measuring = false;
    this.lagTimer = setInterval(() => {
      if (measuring) return;
      measuring = true;
      void this.measureLag().finally(() => (measuring = false));
    }, this.options.lagIntervalMs ?? 5_000);
    this.lagTimer.unref();
    this.log.info({ topology: topology.name, transport: transport.name, instanceId }, 'started');
  }

  /** How every wait for a service is logged: the step, the attempt, the delay, the cause. */
  private retryLogging(what: string) {
    return {
      giveUp: () => this.stopping,
      onRetry: (error: unknown, attempt: number, delay: number) =>
        this.log.warn({ err: error, attempt, delay }, `${what} failed; retrying`),
    };
  }

  /**
   * A record of a task to the DLQ with its source coordinates in the headers: the original bytes
   * when it is the fetched record being processed, else (a window result a sink refused) its JSON.
   */
  private deadLetterRecord(
    record: StreamRecord,
    error: Error,
    details: { reason: string; node?: string; sink?: string },
  ) {
    const source = record.source;
    const current = this.processing;
    const original =
      current !== undefined &&
      source !== undefined &&
      source.topic === current.topic &&
      source.partition === current.partition &&
      source.offset === String(current.offset);
    this.deadLetters.route(
      {
        topic: source?.topic ?? '',
        partition: source?.partition ?? -1,
        offset: source?.offset ?? '',
        key: original ? current.key : encodeJson(record.key),
        value: original ? current.value : encodeJson(record.value),
        headers: original ? current.headers : undefined,
      },
      error,
      details,
    );
  }

  private outputsFor(): TaskOutputs {
    return {
      toTopic: (topic, record) => {
        this.producedPerTopic.set(topic, (this.producedPerTopic.get(topic) ?? 0) + 1);
        this.send({
          topic,
          key: encodeJson(record.key),
          value: encodeJson(record.value),
          timestamp: Math.max(0, record.timestamp),
        });
      },
      toSink: (sink, record) => this.sinks.add(sink, record),
      deadLetter: (letter: DeadLetter) =>
        this.deadLetterRecord(letter.record, letter.error ?? new Error(letter.reason), {
          reason: letter.kind === 'error' ? 'processing-error' : letter.kind,
          node: letter.node,
        }),
    };
  }

  /**
   * While state is restored the main loop does not fetch; a restore longer than the client's poll
   * interval would cost the group membership (and start a rebalance). Every few seconds the group
   * consumer is polled with all its partitions paused instead — Kafka Streams polls during restore too.
   */
  private keepGroupMembershipAlive(): { stop(): Promise<void> } {
    let running: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      running = running
        .then(() => this.consumer.keepAlive())
        .catch((error: unknown) => this.log.warn({ err: error }, 'keeping the group membership alive failed'));
    }, KEEP_ALIVE_INTERVAL_MS);
    return {
      stop: async () => {
        clearInterval(timer);
        await running;
      },
    };
  }

  /** Builds the tasks of the current assignment, each restored from its changelogs before it processes anything. */
  private async rebuildTasks(): Promise<void> {
    const { topology, applicationId, errorPolicy } = this.options;
    this.tasks.clear();
    activeTasks.set({ application: applicationId }, 0);
    const assignment = this.assignment;
    if (assignment.length === 0) return;
    this.consumer.pause(assignment);
    // Records fetched after the last commit were part of the aborted transaction: read them again.
    await this.consumer.seekToCommitted(assignment);
    const started = Date.now();
    // Which store each changelog partition restores: one read over all of them for the whole assignment.
    const restoreTargets = new Map<
      string,
      { task: string; store: string; restore: (key: unknown, value: unknown) => void }
    >();
    for (const { topic, partition } of assignment) {
      const subtopology = this.subtopologyOfTopic.get(topic);
      if (subtopology === undefined) continue;
      const id = `${subtopology}_${partition}`;
      if (this.tasks.has(id)) continue;
      const task = new StreamTask(topology, {
        applicationId,
        taskId: id,
        subtopologies: [subtopology],
        outputs: this.outputsFor(),
        errorPolicy,
        wallClock: Date.now,
        maxEventTimeAheadMs: this.options.maxEventTimeAheadMs ?? DEFAULT_MAX_EVENT_TIME_AHEAD_MS,
      });
      for (const built of task.stores.values()) {
        const changelog = topology.stores.get(built.spec.name)?.changelogTopic;
        const changelogging = built.changelogging;
        if (!changelog || !changelogging) continue;
        restoreTargets.set(`${changelog}:${partition}`, {
          task: id,
          store: built.spec.name,
          restore: (key, value) => changelogging.restore(key, value),
        });
      }
      this.tasks.set(id, { task, partition, positions: new Map() });
    }
    const restoredPerTask = new Map<string, number>();
    const reader = this.options.transport.partitionReader();
    const keepingAlive = this.keepGroupMembershipAlive();
    try {
      await reader.readToEnd(
        [...restoreTargets.keys()].map((key) => {
          const separator = key.lastIndexOf(':');
          return { topic: key.slice(0, separator), partition: Number(key.slice(separator + 1)) };
        }),
        (record) => {
          const target = restoreTargets.get(`${record.topic}:${record.partition}`);
          if (!target) return;
          target.restore(decodeJson(record.key), record.value === null ? null : decodeJson(record.value));
          restoredRecords.inc({ application: applicationId, store: target.store });
          restoredPerTask.set(target.task, (restoredPerTask.get(target.task) ?? 0) + 1);
        },
      );
      for (const { task } of this.tasks.values()) task.init();
      this.log.info({ tasks: [...this.tasks.keys()], partitions: assignment.length }, 'tasks assigned');
      const restored = [...restoredPerTask.values()].reduce((sum, count) => sum + count, 0);
      this.stats.restoredRecords += restored;
      if (restored > 0)
        this.log.info(
          { tasks: Object.fromEntries(restoredPerTask), restored, ms: Date.now() - started },
          'restored state from changelog',
        );
    } finally {
      await keepingAlive.stop();
      await reader.disconnect();
      this.consumer.resume(assignment);
      this.buffer.reset(Date.now());
      this.overfull = new Set();
      this.pauses.reapply(assignment);
      this.flow.reapply(assignment, this.pauses);
      this.pauses.hold('buffer', []);
      activeTasks.set({ application: applicationId }, this.tasks.size);
    }
  }

  /**
   * Takes a fetched batch: each record decoded and its event time extracted, then queued per source
   * partition; what is ready goes through the tasks in event-time order (event-time-buffer.ts),
   * synchronously. Returns how many records were taken through the tasks.
   */
  private process(fetched: ConsumedRecord[]): number {
    const { applicationId } = this.options;
    const timer = batchProcessingDuration.startTimer({ application: applicationId });
    const now = Date.now();
    const arrived: PendingRecord[] = [];
    for (const consumed of fetched) {
      const subtopology = this.subtopologyOfTopic.get(consumed.topic);
      const active = subtopology === undefined ? undefined : this.tasks.get(`${subtopology}_${consumed.partition}`);
      if (!active) continue; // revoked meanwhile: the new owner processes it
      arrived.push(this.prepared(consumed, active));
    }
    const passing = this.buffer.add(arrived);
    const limit = Math.max(0, (this.options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS) - passing.length);
    const taken = this.buffer.takeReady(
      this.assignment,
      (partition) => this.consumer.knownEndOffset(partition),
      (partition) => this.flow.isPaused(partition.topic),
      now,
      limit,
    );
    // A full take may have left ready records behind: the next fetch must not wait for new ones.
    this.moreReady = taken.length >= limit && this.buffer.size > 0;
    const ready = [...passing, ...taken];
    const perTopic = new Map<string, number>();
    for (const pending of ready) {
      perTopic.set(pending.topic, (perTopic.get(pending.topic) ?? 0) + 1);
      this.processOne(pending);
    }
    for (const [topic, count] of perTopic) recordsProcessed.inc({ application: applicationId, topic }, count);
    for (const { task } of this.tasks.values()) task.punctuate('wall-clock', now);
    const handedOver = performance.now();
    this.sinks.writePending();
    this.flow.observe(this.sinks.load(), this.assignment, this.pauses, handedOver);
    this.boundBuffer();
    timer();
    return ready.length;
  }

  /** Decoded (or the reason it cannot be) and its event time, ready to wait for its turn. */
  private prepared(consumed: ConsumedRecord, active: ActiveTask): PendingRecord {
    const base = { topic: consumed.topic, partition: consumed.partition, offset: consumed.offset, consumed, active };
    let decoded: { key: unknown; value: unknown };
    try {
      decoded = this.decoders.decode(consumed);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      return { ...base, eventTime: Number.NEGATIVE_INFINITY, undecodable: error };
    }
    const record: StreamRecord = {
      key: decoded.key,
      value: decoded.value,
      timestamp: consumed.timestamp,
      source: { topic: consumed.topic, partition: consumed.partition, offset: String(consumed.offset) },
    };
    const eventTime = active.task.eventTimeOf(consumed.topic, record);
    // A future event time goes to the DLQ at its turn; it must not decide the order of the others.
    const latestTrusted = Date.now() + (this.options.maxEventTimeAheadMs ?? DEFAULT_MAX_EVENT_TIME_AHEAD_MS);
    return { ...base, record, eventTime: eventTime > latestTrusted ? Number.NEGATIVE_INFINITY : eventTime };
  }

  private processOne({ consumed, active, record, undecodable }: PendingRecord): void {
    // The position moves only with the record processed: a commit never covers a record still queued.
    active.positions.set(consumed.topic, consumed.offset);
    this.stats.processed += 1;
    if (undecodable) {
      this.deadLetterUndecodable(consumed, undecodable);
      return;
    }
    this.processing = consumed;
    try {
      active.task.process(consumed.topic, record as StreamRecord);
    } catch (error) {
      // Error policy FAIL (or a bug in the runtime): stop, and say which record did it.
      throw new RecordFailedError(consumed, error);
    } finally {
      this.processing = undefined;
    }
  }

  /** Pauses the source partitions whose queue is over its bound, until they drained to half. */
  private boundBuffer(): void {
    const full = this.buffer.overfull(this.overfull);
    if (full.length === 0 && this.overfull.size === 0) return;
    this.overfull = new Set(full.map(partitionKey));
    this.pauses.hold('buffer', full);
    eventTimePausedPartitions.set({ application: this.options.applicationId }, full.length);
  }

  /**
   * While nothing is written, a sink cannot notice that its service lost its data (Redis restarted
   * empty): probe them about once a second, and on a loss commit once, which writes every open
   * window again — dashboards are complete again within a second and a commit, with or without traffic.
   */
  private async probeSinksWhileIdle(): Promise<void> {
    if (this.transactionOpen || Date.now() - this.lastProbe < SINK_PROBE_INTERVAL_MS || this.tasks.size === 0) return;
    this.lastProbe = Date.now();
    if (!(await this.sinks.probe())) return;
    await retry(() => this.producer.begin(), this.retryLogging('beginning a transaction'));
    this.transactionOpen = true;
    await this.commitOrRecover();
  }

  /** Every record the tasks emit goes through here, so none is produced outside a transaction. */
  private send(record: ProducedRecord): void {
    if (this.transactionOpen) this.producer.send(record);
    else this.unsent.push(record);
  }

  /** Opens a transaction for what idle punctuation emitted: records to produce, or sink writes to flush. */
  private async openForPendingWork(): Promise<void> {
    if (this.transactionOpen || (this.unsent.length === 0 && this.sinks.load().records === 0)) return;
    await retry(() => this.producer.begin(), this.retryLogging('beginning a transaction'));
    this.transactionOpen = true;
    for (const record of this.unsent) this.producer.send(record);
    this.unsent = [];
  }

  private deadLetterUndecodable(consumed: ConsumedRecord, error: DecodeError): void {
    decodeFailures.inc({ topic: consumed.topic, reason: error.reason });
    this.deadLetters.route({ ...consumed, offset: String(consumed.offset) }, error, {
      reason: error.reason,
      schemaId: error.schemaId,
    });
  }

  /**
   * The commit protocol (see docs/runtime.md): 1. flush the sinks and wait for their acknowledgement;
   * 2. dirty state to the changelogs and 3. the consumed offsets, both in the open transaction,
   * which then commits — with the output, repartition and DLQ records it already holds.
   */
  private async commit(): Promise<void> {
    if (!this.transactionOpen) return;
    const { applicationId } = this.options;
    const timer = commitDuration.startTimer({ application: applicationId });
    // Held-back output (rate-limited window updates) joins this commit, before the sinks flush.
    for (const active of this.tasks.values()) active.task.flushProcessors();
    // A sink that is down makes this wait (retrying): keep the group membership meanwhile.
    const keepingAlive = this.keepGroupMembershipAlive();
    let resend = false;
    try {
      await this.sinks.flush(() => this.stopping);
      resend = this.sinks.dataLost();
      if (resend) {
        // Redis restarted empty: write the current value of every open window again, in this commit.
        for (const active of this.tasks.values()) active.task.resendOpenResults();
        this.log.warn(
          { tasks: this.tasks.size },
          'a sink does not hold what was written before (restarted empty, or a first start): the current results of all open windows are written again',
        );
        await this.sinks.flush(() => this.stopping);
      }
    } finally {
      await keepingAlive.stop();
    }
    const offsets = [];
    for (const active of this.tasks.values()) {
      for (const [key, count] of active.task.metrics.dropped) {
        const [node, reason] = key.split(': ', 2);
        droppedRecords.inc({ application: applicationId, node, reason }, count);
      }
      active.task.metrics.dropped.clear();
      for (const entry of active.task.flushState()) {
        const changelog = this.options.topology.stores.get(entry.store)?.changelogTopic as string;
        this.producer.send({
          topic: changelog,
          partition: active.partition,
          key: encodeJson(entry.key),
          value: encodeJson(entry.value),
        });
      }
      for (const [topic, offset] of active.positions)
        offsets.push({ topic, partition: active.partition, offset: offset + 1 });
    }
    await this.producer.commit(offsets, this.consumer);
    if (resend) {
      this.sinks.resent();
      this.log.info({ tasks: this.tasks.size }, 'open results written again and committed');
    }
    for (const [topic, count] of this.producedPerTopic)
      recordsProduced.inc({ application: applicationId, topic }, count);
    this.producedPerTopic.clear();
    timer();
    this.transactionOpen = false;
    this.stats.commits += 1;
    this.lastCommit = Date.now();
  }

  private async abort(): Promise<void> {
    this.unsent = [];
    if (!this.transactionOpen) return;
    this.sinks.discard();
    this.producedPerTopic.clear();
    await this.producer.abort();
    this.transactionOpen = false;
  }

  /** Runs until stop(); returns after a final commit. */
  async run(): Promise<void> {
    const { commitIntervalMs = 1_000, maxBatchRecords = DEFAULT_MAX_BATCH_RECORDS } = this.options;
    while (!this.stopping) {
      if (this.assignmentChanged) {
        // Whatever the open transaction holds may touch partitions we lost: drop it and rebuild.
        this.assignmentChanged = false;
        await this.abort().catch((error: unknown) =>
          this.log.warn({ err: error }, 'abort failed; the next transaction fences it'),
        );
        // A broker that is down while we restore: wait for it (a rebalance meanwhile restarts the rebuild).
        await retry(() => this.rebuildTasks(), this.retryLogging('restoring tasks'));
        continue;
      }
      // Records queued and ready for their event-time turn: fetch what is there, do not wait for more.
      const waitMs = this.moreReady ? 0 : undefined;
      const records = await retry(
        () => this.consumer.consumeBatch(maxBatchRecords, waitMs),
        this.retryLogging('consuming'),
      );
      if (this.assignmentChanged) continue;
      // Writer schemas of Avro sources are resolved per batch; a registry that is down is waited for.
      await retry(() => this.decoders.prepare(records), this.retryLogging('resolving writer schemas'));
      if ((records.length > 0 || this.buffer.size > 0) && !this.transactionOpen) {
        await retry(() => this.producer.begin(), this.retryLogging('beginning a transaction'));
        this.transactionOpen = true;
      }
      this.process(records);
      await this.openForPendingWork();
      // Commit on the interval; on an empty batch (caught up, or kafkajs waiting for its held batches);
      // and when backpressure paused every lane, since committing is what flushes the sinks and drains them.
      if (records.length === 0 || this.flow.saturated || Date.now() - this.lastCommit >= commitIntervalMs) {
        await this.commitOrRecover();
        this.flow.observe(this.sinks.load(), this.assignment, this.pauses, performance.now());
      }
      if (records.length === 0) await this.probeSinksWhileIdle();
    }
    await this.openForPendingWork();
    await this.commitOrRecover();
  }

  /** Lag per assigned partition: the partition's end minus the next offset to process. */
  private async measureLag(): Promise<void> {
    const { admin, applicationId } = this.options;
    const topics = [...new Set(this.assignment.map(({ topic }) => topic))];
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic).catch(() => []);
      for (const end of ends) {
        if (!this.assignment.some((p) => p.topic === topic && p.partition === end.partition)) continue;
        const subtopology = this.subtopologyOfTopic.get(topic);
        const position = this.tasks.get(`${subtopology}_${end.partition}`)?.positions.get(topic);
        if (position === undefined) continue;
        consumerLag.set(
          { application: applicationId, topic, partition: String(end.partition) },
          Math.max(0, Number(end.high) - position - 1),
        );
      }
    }
  }

  private async commitOrRecover(): Promise<void> {
    try {
      await this.commit();
    } catch (error) {
      // A commit the broker refuses for good (fenced by a newer instance, a record too large) would
      // fail the same way after every rebuild: stop with the error instead of looping.
      if (!isRetriable(error)) {
        await this.abort().catch(() => undefined);
        throw error;
      }
      // Rebalanced under us or a transient failure: nothing of this transaction counts; rebuild from the changelogs.
      this.log.warn({ err: error }, 'commit failed; aborting and rebuilding tasks from committed state');
      await this.abort().catch(() => undefined);
      this.transactionOpen = false;
      this.assignmentChanged = true;
    }
  }

  stop(): void {
    this.stopping = true;
  }

  async close(): Promise<void> {
    clearInterval(this.lagTimer);
    for (const { task } of this.tasks.values()) task.close();
    await this.sinks.close();
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }
}

/** Every task source topic with its lane priority; the application's own topics rank with the highest lane. */
function lanesOf(topology: Topology, internalTopics: ReadonlySet<string>): Lane[] {
  const lanes: Lane[] = [];
  for (const node of topology.nodes.values()) {
    if (node.kind !== 'source' || node.global) continue;
    for (const topic of node.topics)
      if (!internalTopics.has(topic)) lanes.push({ topic, priority: node.lanes?.[topic] ?? 0 });
  }
  const highest = Math.max(0, ...lanes.map((lane) => lane.priority));
  for (const topic of internalTopics) if (!topic.endsWith('-changelog')) lanes.push({ topic, priority: highest });
  return lanes;
}
