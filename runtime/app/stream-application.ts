import type { Admin } from 'kafkajs';
import type { StreamRecord } from '../../processors/api/record';
import { deadLetterMessage } from '../dlq/dead-letter-message';
import { ConfigError, isRetriable } from '../errors';
import type { Logger } from '../logging';
import { createLogger } from '../logging';
import { dlqTopic } from '../naming';
import { StreamTask, type ErrorPolicy } from '../task/stream-task';
import type { DeadLetter, TaskOutputs } from '../task/task-outputs';
import type { Topology } from '../topology/topology';
import type {
  ConsumedRecord,
  GroupConsumer,
  KafkaTransport,
  TopicPartition,
  TransactionalProducer,
} from '../kafka/transport';
import { decodeJson, decodeSourceKey, encodeJson } from './record-codec';
import { DecodeError } from '../../schemas/serde/decode-error';
import { activeTasks, commitDuration, deadLetters, recordsProcessed, restoredRecords } from '../metrics';

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
}

interface ActiveTask {
  task: StreamTask;
  partition: number;
  /** Last processed offset per source topic of this task. */
  positions: Map<string, number>;
}

/**
 * Runs a topology on Kafka (DESIGN §4). One task per sub-topology and input partition. Each commit
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
  private consumer!: GroupConsumer;
  private producer!: TransactionalProducer;
  private assignment: TopicPartition[] = [];
  private assignmentChanged = false;
  private transactionOpen = false;
  private stopping = false;
  private lastCommit = Date.now();
  readonly stats = { processed: 0, commits: 0, restoredRecords: 0 };

  constructor(private readonly options: StreamApplicationOptions) {
    this.log = options.logger ?? createLogger('application');
    const { topology } = options;
    if (topology.subtopologies.some((sub) => sub.global)) {
      throw new ConfigError(`topology "${topology.name}": global tables are not supported by the Kafka runtime yet`);
    }
    if ([...topology.nodes.values()].some((node) => node.kind === 'adapter-sink')) {
      throw new ConfigError(`topology "${topology.name}": sink adapters are not wired into the Kafka runtime yet`);
    }
    for (const sub of topology.subtopologies)
      for (const topic of sub.sourceTopics) this.subtopologyOfTopic.set(topic, sub.id);
    this.internalTopics = new Set(topology.internalTopics);
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
            ? [{ name: 'retention.ms', value: String(14 * 24 * 3_600_000) }]
            : [{ name: 'cleanup.policy', value: topic.endsWith('-changelog') ? 'compact' : 'delete' }],
      })),
    });
    this.log.info({ topics: missing, partitions }, 'created internal topics');
  }

  async start(): Promise<void> {
    const { transport, applicationId, instanceId, topology } = this.options;
    await this.createInternalTopics();
    this.producer = transport.transactionalProducer(`${applicationId}-${instanceId}`);
    await this.producer.connect();
    this.consumer = transport.consumer(applicationId);
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
    this.log.info({ topology: topology.name, transport: transport.name, instanceId }, 'started');
  }

  private outputsFor(partition: number): TaskOutputs {
    const { applicationId } = this.options;
    return {
      toTopic: (topic, record) =>
        this.producer.send({
          topic,
          key: encodeJson(record.key),
          value: encodeJson(record.value),
          timestamp: Math.max(0, record.timestamp),
        }),
      toSink: () => {
        throw new ConfigError('sink adapters are not wired into the Kafka runtime yet');
      },
      deadLetter: (letter: DeadLetter) => {
        deadLetters.inc({ application: applicationId, kind: letter.kind === 'late' ? 'late' : 'processing-error' });
        const source = letter.record.source;
        const message = deadLetterMessage(
          {
            topic: source?.topic ?? '',
            partition: source?.partition ?? partition,
            offset: source?.offset ?? '',
            key: encodeJson(letter.record.key),
            value: encodeJson(letter.record.value),
          },
          letter.error ?? new Error(letter.reason),
          { reason: letter.kind === 'late' ? 'late' : 'processing-error', node: letter.node },
        );
        this.producer.send({
          topic: dlqTopic(applicationId),
          key: message.key,
          value: message.value,
          headers: message.headers as Record<string, string>,
        });
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
    const reader = this.options.transport.partitionReader();
    try {
      for (const { topic, partition } of assignment) {
        const subtopology = this.subtopologyOfTopic.get(topic);
        if (subtopology === undefined) continue;
        const id = `${subtopology}_${partition}`;
        if (this.tasks.has(id)) continue;
        const task = new StreamTask(topology, {
          applicationId,
          taskId: id,
          subtopologies: [subtopology],
          outputs: this.outputsFor(partition),
          errorPolicy,
          wallClock: Date.now,
        });
        const started = Date.now();
        let restored = 0;
        for (const built of task.stores.values()) {
          const changelog = topology.stores.get(built.spec.name)?.changelogTopic;
          if (!changelog || !built.changelogging) continue;
          const count = await reader.readToEnd({ topic: changelog, partition }, (record) =>
            built.changelogging?.restore(
              decodeJson(record.key),
              record.value === null ? null : decodeJson(record.value),
            ),
          );
          restoredRecords.inc({ application: applicationId, store: built.spec.name }, count);
          restored += count;
        }
        task.init();
        this.tasks.set(id, { task, partition, positions: new Map() });
        this.stats.restoredRecords += restored;
        if (restored > 0)
          this.log.info({ task: id, restored, ms: Date.now() - started }, 'restored state from changelog');
      }
    } finally {
      await reader.disconnect();
      this.consumer.resume(assignment);
      activeTasks.set({ application: applicationId }, this.tasks.size);
    }
  }

  private process(records: ConsumedRecord[]): void {
    const perTopic = new Map<string, number>();
    for (const consumed of records) perTopic.set(consumed.topic, (perTopic.get(consumed.topic) ?? 0) + 1);
    for (const [topic, count] of perTopic)
      recordsProcessed.inc({ application: this.options.applicationId, topic }, count);
    for (const consumed of records) {
      const subtopology = this.subtopologyOfTopic.get(consumed.topic);
      const active = subtopology === undefined ? undefined : this.tasks.get(`${subtopology}_${consumed.partition}`);
      if (!active) continue; // revoked meanwhile: the new owner processes it
      active.positions.set(consumed.topic, consumed.offset);
      this.stats.processed += 1;
      const internal = this.internalTopics.has(consumed.topic);
      let record: StreamRecord;
      try {
        record = {
          key: internal ? decodeJson(consumed.key) : decodeSourceKey(consumed.key),
          value: decodeJson(consumed.value),
          timestamp: consumed.timestamp,
          source: { topic: consumed.topic, partition: consumed.partition, offset: String(consumed.offset) },
        };
      } catch (cause) {
        const error = new DecodeError('invalid-json', `not JSON: ${(cause as Error).message}`, undefined, cause);
        deadLetters.inc({ application: this.options.applicationId, kind: error.reason });
        const message = deadLetterMessage({ ...consumed, offset: String(consumed.offset) }, error, {
          reason: error.reason,
        });
        this.producer.send({
          topic: dlqTopic(this.options.applicationId),
          key: message.key,
          value: message.value,
          headers: message.headers as Record<string, string>,
        });
        continue;
      }
      active.task.process(consumed.topic, record);
    }
    const now = Date.now();
    for (const { task } of this.tasks.values()) task.punctuate('wall-clock', now);
  }

  /** The commit protocol: state to changelogs and consumed offsets, in the open transaction, then commit. */
  private async commit(): Promise<void> {
    if (!this.transactionOpen) return;
    const timer = commitDuration.startTimer({ application: this.options.applicationId });
    const offsets = [];
    for (const active of this.tasks.values()) {
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
    timer();
    this.transactionOpen = false;
    this.stats.commits += 1;
    this.lastCommit = Date.now();
  }

  private async abort(): Promise<void> {
    if (!this.transactionOpen) return;
    await this.producer.abort();
    this.transactionOpen = false;
  }

  /** Runs until stop(); returns after a final commit. */
  async run(): Promise<void> {
    const { commitIntervalMs = 1_000, maxBatchRecords = 5_000 } = this.options;
    while (!this.stopping) {
      if (this.assignmentChanged) {
        // Whatever the open transaction holds may touch partitions we lost: drop it and rebuild.
        this.assignmentChanged = false;
        await this.abort();
        await this.rebuildTasks();
        continue;
      }
      const records = await this.consumeWithRetry(maxBatchRecords);
      if (this.assignmentChanged) continue;
      if (records.length > 0 && !this.transactionOpen) {
        await this.producer.begin();
        this.transactionOpen = true;
      }
      this.process(records);
      if (Date.now() - this.lastCommit >= commitIntervalMs) await this.commitOrRecover();
    }
    await this.commitOrRecover();
  }

  /** A broker that is down or a topic that is briefly unavailable: wait and retry, never drop or crash. */
  private async consumeWithRetry(maxRecords: number): Promise<ConsumedRecord[]> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.consumer.consumeBatch(maxRecords);
      } catch (error) {
        if (!isRetriable(error) || this.stopping) throw error;
        const delay = Math.min(10_000, 100 * 2 ** attempt);
        this.log.warn({ err: error, attempt, delay }, 'consume failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async commitOrRecover(): Promise<void> {
    try {
      await this.commit();
    } catch (error) {
      // Fenced or rebalanced under us: nothing of this transaction counts; rebuild from the changelogs.
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
    for (const { task } of this.tasks.values()) task.close();
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }
}
