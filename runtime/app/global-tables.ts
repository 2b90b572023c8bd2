import { join } from 'node:path';
import { ConfigError } from '../../core/errors';
import type { Logger } from '../../core/logging';
import { retry, type RetryOptions } from '../../core/retry';
import type { StreamRecord } from '../../processors/api/record';
import { DecodeError } from '../../schemas/serde/decode-error';
import type { KafkaAdmin } from '../kafka/admin';
import { TopicPartitionMap } from '../kafka/topic-partition-map';
import type { ConsumedRecord, KafkaTransport, PartitionFollower, TopicPartition } from '../kafka/transport';
import {
  droppedRecords,
  globalTableEntries,
  globalTablePropagation,
  globalTableRecords,
  globalTableSkipped,
} from '../metrics';
import { buildGlobalStore, type BuiltStore } from '../state/build-store';
import { takeGlobalCheckpoint, writeGlobalCheckpoint } from '../state/global-table-checkpoint';
import { StreamTask } from '../task/stream-task';
import type { TaskOutputs } from '../task/task-outputs';
import type { Topology } from '../topology/topology';
import type { SourceDecoders } from './source-decoders';

/** How long one follow turn waits for new records. */
const FOLLOW_WAIT_MS = 100;

export interface GlobalTablesOptions {
  topology: Topology;
  applicationId: string;
  transport: KafkaTransport;
  admin: KafkaAdmin;
  decoders: SourceDecoders;
  /** The instance's state directory: the tables are kept on disk below it (`global/<store>`); in memory without. */
  stateDir?: string;
  log: Logger;
  retryLogging: (what: string) => RetryOptions;
}

/**
 * The global tables of a topology (Kafka Streams' GlobalStreamThread with its state manager): every
 * instance holds each one in full, filled from every partition of its source topic, which is the
 * table's only log (no changelog of its own). `bootstrap()` reads each partition up to the end
 * offset it had when the bootstrap began, before the stream thread takes its first record, so no
 * record is ever joined against a partial table; `follow()` then applies what is appended, between
 * the stream thread's batches (one JS thread: a batch never sees a table change halfway through).
 *
 * A global table's records are not part of any transaction of the application: one that cannot be
 * decoded, or that its processor refuses, is logged and counted (`reelstream_global_table_skipped_total`)
 * and skipped — validating a source is the job of a topology that reads it as a stream and has a DLQ
 * (topologies/catalog-sync.ts for the catalog).
 *
 * With a state directory the tables live on disk (LMDB). A clean stop writes, per partition, the
 * offset the tables hold everything up to (global-table-checkpoint.ts); the next bootstrap reads only
 * from there. Without a usable checkpoint (a crash, a topic recreated or truncated since) the tables
 * are emptied and read from the start of their topics, as in memory.
 */
export class GlobalTables {
  /** Shared with every task of the application: the stream–table joins read them. */
  readonly stores = new Map<string, BuiltStore>();
  private readonly task: StreamTask | undefined;
  private readonly topics: string[];
  private follower: PartitionFollower | undefined;
  private following: Promise<void> | undefined;
  private closing = false;
  private bootstrapped = false;
  /** Where the tables and their checkpoint live on disk; undefined in memory. */
  private readonly dir: string | undefined;
  private resumedFrom: TopicPartitionMap<number> | undefined;
  private assigned: TopicPartition[] = [];

  constructor(private readonly options: GlobalTablesOptions) {
    const { topology, applicationId } = options;
    const global = topology.subtopologies.filter((sub) => sub.global);
    this.topics = [...new Set(global.flatMap((sub) => sub.sourceTopics))];
    this.dir = options.stateDir === undefined || global.length === 0 ? undefined : join(options.stateDir, 'global');
    for (const spec of topology.stores.values())
      if (spec.global) this.stores.set(spec.name, buildGlobalStore(spec, this.dir && join(this.dir, spec.name)));
    if (global.length === 0) return;
    this.task = new StreamTask(topology, {
      applicationId,
      taskId: 'global',
      subtopologies: global.map((sub) => sub.id),
      outputs: this.outputs(),
      wallClock: () => Date.now(),
      sharedStores: this.stores,
    });
    this.task.init();
  }

  /** True once every global table holds its topic up to where it ended when the bootstrap began. */
  get ready(): boolean {
    return this.bootstrapped;
  }

  get sourceTopics(): readonly string[] {
    return this.topics;
  }

  /** Reads every partition of the tables' topics to its end offset as of now; waits for Kafka meanwhile. */
  async bootstrap(): Promise<void> {
    if (!this.task) {
      this.bootstrapped = true;
      return;
    }
    const { admin, log, retryLogging } = this.options;
    const started = Date.now();
    const partitions = await retry(() => this.partitions(), retryLogging('reading the global tables’ partitions'));
    const ends = new TopicPartitionMap<number>();
    const offsets = new TopicPartitionMap<{ low: number; high: number }>();
    for (const topic of this.topics)
      for (const end of await retry(
        () => admin.endOffsets(topic),
        retryLogging(`reading the end offsets of ${topic}`),
      )) {
        offsets.set({ topic, partition: end.partition }, end);
        if (end.high > end.low) ends.set({ topic, partition: end.partition }, end.high);
      }
    const from = this.resumeFrom(offsets);
    this.resumedFrom = from;
    this.assigned = partitions;
    const follower = this.options.transport.partitionFollower();
    this.follower = follower;
    await retry(() => follower.assign(partitions, from), retryLogging('assigning the global tables’ partitions'));
    let applied = 0;
    // Before its first fetch a partition is where it was assigned (a checkpoint's offset), or nowhere.
    const position = (partition: TopicPartition) => follower.position(partition) ?? from?.get(partition) ?? -1;
    const behind = () => [...ends].filter(([partition, end]) => position(partition) < end);
    let lastReport = Date.now();
    while (behind().length > 0) {
      if (this.closing) return;
      applied += await this.apply(await follower.poll(FOLLOW_WAIT_MS), false);
      if (Date.now() - lastReport > 5_000) {
        lastReport = Date.now();
        log.info(
          { applied, behind: behind().map(([{ topic, partition }, end]) => ({ topic, partition, end })) },
          'bootstrapping global tables',
        );
      }
    }
    this.bootstrapped = true;
    log.info(
      {
        topics: this.topics,
        applied,
        entries: this.entries(),
        ms: Date.now() - started,
        ...(this.dir ? { onDisk: this.dir, fromCheckpoint: from !== undefined } : {}),
      },
      'global tables bootstrapped',
    );
  }

  /**
   * Where a persistent table goes on reading: its checkpoint, when every position in it still lies
   * within its partition's offsets. Otherwise (no checkpoint: a first start or a crash; a topic
   * recreated or truncated since) the tables on disk are emptied and read from the start.
   */
  private resumeFrom(offsets: TopicPartitionMap<{ low: number; high: number }>): TopicPartitionMap<number> | undefined {
    if (!this.dir) return undefined;
    const checkpoint = takeGlobalCheckpoint(this.dir);
    const usable =
      checkpoint !== undefined &&
      [...checkpoint].every(([partition, offset]) => {
        const range = offsets.get(partition);
        return range !== undefined && offset >= range.low && offset <= range.high;
      });
    if (usable) return checkpoint;
    if (checkpoint)
      this.options.log.warn(
        { dir: this.dir },
        'global table checkpoint no longer matches its topics; reading them again',
      );
    for (const built of this.stores.values()) built.persistent?.store.clear();
    return undefined;
  }

  /** Keeps applying what is appended to the tables' topics until close(); a failing fetch is retried. */
  follow(): void {
    const follower = this.follower;
    if (!follower || this.following) return;
    const { log, retryLogging } = this.options;
    this.following = (async () => {
      while (!this.closing) {
        const records = await retry(() => follower.poll(FOLLOW_WAIT_MS), {
          ...retryLogging('following the global tables'),
          giveUp: () => this.closing,
        }).catch((error: unknown) => {
          if (!this.closing) log.error({ err: error }, 'following the global tables failed');
          return [];
        });
        // One bad turn must not end the follow loop silently: say so and go on with the next fetch.
        await this.apply(records, true).catch((error: unknown) =>
          log.error(
            { err: error, records: records.length },
            'applying global table records failed; these records are skipped',
          ),
        );
      }
    })();
  }

  private async partitions(): Promise<TopicPartition[]> {
    const counts = await this.options.admin.partitionCounts(this.topics);
    const missing = this.topics.filter((topic) => !counts.has(topic));
    if (missing.length > 0)
      throw new ConfigError(
        `topology "${this.options.topology.name}": the global table topic ${missing.join(', ')} does not exist (create it: reelstream topics apply)`,
      );
    return this.topics.flatMap((topic) =>
      Array.from({ length: counts.get(topic) ?? 0 }, (_, partition) => ({ topic, partition })),
    );
  }

  /** Decodes and applies records in order; returns how many were applied. */
  private async apply(records: ConsumedRecord[], live: boolean): Promise<number> {
    if (records.length === 0 || !this.task) return 0;
    const { applicationId, decoders, log, retryLogging } = this.options;
    await retry(() => decoders.prepare(records), {
      ...retryLogging('resolving the global tables’ schemas'),
      giveUp: () => this.closing,
    });
    const now = Date.now();
    let applied = 0;
    for (const consumed of records) {
      let record: StreamRecord;
      try {
        const { key, value } = decoders.decode(consumed);
        record = {
          key,
          value,
          timestamp: consumed.timestamp,
          headers: consumed.headers,
          source: { topic: consumed.topic, partition: consumed.partition, offset: String(consumed.offset) },
        };
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        globalTableSkipped.inc({ application: applicationId, topic: consumed.topic, reason: error.reason });
        log.warn(
          {
            topic: consumed.topic,
            partition: consumed.partition,
            offset: consumed.offset,
            reason: error.reason,
            err: error,
          },
          'global table record skipped: it cannot be decoded',
        );
        continue;
      }
      this.task.process(consumed.topic, record);
      applied += 1;
      if (live)
        globalTablePropagation.observe(
          { application: applicationId, topic: consumed.topic },
          (now - consumed.timestamp) / 1000,
        );
    }
    // Dropped on purpose by the table's operator (a stale version): counted as every task's drops are.
    for (const [node, reasons] of this.task.metrics.dropped)
      for (const [reason, count] of reasons) droppedRecords.inc({ application: applicationId, node, reason }, count);
    this.task.metrics.dropped.clear();
    // One LMDB transaction per fetched batch, on disk before the next batch is joined against.
    for (const built of this.stores.values()) built.persistent?.store.flushWrites();
    for (const [store, built] of this.stores)
      globalTableEntries.set({ application: applicationId, store }, built.metered.size);
    for (const topic of this.topics) {
      const count = records.filter((record) => record.topic === topic).length;
      if (count > 0) globalTableRecords.inc({ application: applicationId, topic }, count);
    }
    return applied;
  }

  private entries(): number {
    let entries = 0;
    for (const built of this.stores.values()) entries += built.metered.size;
    return entries;
  }

  /** A global table's processors only update its store: they have no topic, sink or DLQ to write to. */
  private outputs(): TaskOutputs {
    const refuse = (what: string) => () => {
      throw new ConfigError(`a global table's processors cannot write to ${what}`);
    };
    return {
      toTopic: refuse('a topic'),
      toSink: refuse('a sink'),
      deadLetter: (letter) => {
        const topic = letter.record.source?.topic ?? 'unknown';
        globalTableSkipped.inc({ application: this.options.applicationId, topic, reason: letter.kind });
        this.options.log.warn(
          { ...letter.record.source, node: letter.node, reason: letter.reason, err: letter.error },
          'global table record skipped: its processor refused it',
        );
      },
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.following;
    const follower = this.follower;
    if (this.dir && follower && this.bootstrapped) {
      // Everything handed out is applied and flushed: the tables hold each partition up to its position.
      const positions = new TopicPartitionMap<number>();
      for (const partition of this.assigned) {
        const offset = follower.position(partition) ?? this.resumedFrom?.get(partition);
        if (offset !== undefined) positions.set(partition, offset);
      }
      writeGlobalCheckpoint(this.dir, positions);
    }
    await follower?.disconnect();
    this.task?.close();
    for (const built of this.stores.values()) await built.persistent?.store.close();
  }
}
