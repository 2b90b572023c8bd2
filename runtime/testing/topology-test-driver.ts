import type { StreamRecord } from '../../processors/api/record';
import type { KeyValueStore, StateStore } from '../../processors/api/stores';
import { buildStore, type BuiltStore } from '../state/build-store';
import type { ChangelogEntry } from '../state/changelogging-store';
import { StreamTask, type ErrorPolicy, type EventTimeRange } from '../task/stream-task';
import type { DeadLetter, TaskMetrics, TaskOutputs } from '../task/task-outputs';
import type { SinkDescriptor } from '../topology/sink-descriptor';
import type { Topology } from '../topology/topology';

export interface TestRecord<K, V> {
  key: K;
  value: V;
  /** Record timestamp (ms); the source's extractor may take event time from the value instead. */
  timestamp?: number;
  headers?: Record<string, string>;
}

export interface TestDriverOptions {
  applicationId?: string;
  /** Wall-clock start, for deterministic wall-clock punctuation. Default 0. */
  wallClockStartMs?: number;
  errorPolicy?: ErrorPolicy;
  /** Event times this far ahead of the driver's wall clock go to the DLQ (`future-event-time`); unbounded by default. */
  maxEventTimeAheadMs?: number;
  /** A replay's event-time range: input records outside it move stream time and are dropped. */
  eventTimeRange?: EventTimeRange;
}

/**
 * Runs a topology in memory, deterministically, with no broker (after Kafka Streams'
 * TopologyTestDriver). One task runs every sub-topology; records written to a topic the topology
 * itself reads (repartition topics) are processed right after the input that caused them.
 *
 * A call to pipeInput/pipeInputs is one fetched batch: each sink receives what it produced as one
 * batch, as the runtime hands sinks one batch per fetch.
 */
export class TopologyTestDriver {
  private readonly task: StreamTask;
  private readonly globalStores = new Map<string, BuiltStore>();
  private readonly outputs = new Map<string, StreamRecord[]>();
  private readonly batches = new Map<string, StreamRecord[][]>();
  private readonly pendingSinkRecords = new Map<string, StreamRecord[]>();
  private readonly letters: DeadLetter[] = [];
  private readonly changelogs = new Map<string, ChangelogEntry[]>();
  private readonly offsets = new Map<string, number>();
  private readonly internalQueue: { topic: string; record: StreamRecord }[] = [];
  private readonly globalTopics = new Map<string, string>();
  private wallClockMs: number;

  constructor(
    readonly topology: Topology,
    options: TestDriverOptions = {},
  ) {
    this.wallClockMs = options.wallClockStartMs ?? 0;
    for (const spec of topology.stores.values()) if (spec.global) this.globalStores.set(spec.name, buildStore(spec));
    const outputs: TaskOutputs = {
      toTopic: (topic, record) => this.writeTopic(topic, record),
      toSink: (sink, record) => this.writeSink(sink, record),
      deadLetter: (letter) => this.letters.push(letter),
    };
    const common = {
      applicationId: options.applicationId ?? topology.name,
      outputs,
      errorPolicy: options.errorPolicy,
      wallClock: () => this.wallClockMs,
      sharedStores: this.globalStores,
      maxEventTimeAheadMs: options.maxEventTimeAheadMs,
    };
    const globalIds = topology.subtopologies.filter((sub) => sub.global).map((sub) => sub.id);
    // Global tables are filled by their own "task"; it shares its stores with the stream task.
    this.globalTask = new StreamTask(topology, { ...common, taskId: 'global', subtopologies: globalIds });
    for (const sub of topology.subtopologies.filter((s) => s.global))
      for (const topic of sub.sourceTopics) this.globalTopics.set(topic, topic);
    this.task = new StreamTask(topology, { ...common, taskId: '0_0', eventTimeRange: options.eventTimeRange });
    this.taskTopics = new Set(this.task.sourceTopics);
    this.globalTask.init();
    this.task.init();
  }

  private readonly globalTask: StreamTask;
  private readonly taskTopics: ReadonlySet<string>;

  private nextOffset(topic: string): string {
    const offset = this.offsets.get(topic) ?? 0;
    this.offsets.set(topic, offset + 1);
    return String(offset);
  }

  private writeTopic(topic: string, record: StreamRecord): void {
    const stored = { ...record, source: { topic, partition: 0, offset: this.nextOffset(topic) } };
    if (this.taskTopics.has(topic)) {
      this.internalQueue.push({ topic, record: stored });
      // A repartition topic stays inside; a topic of its own the topology also reads is an output too.
      if (this.topology.internalTopics.includes(topic)) return;
    }
    const records = this.outputs.get(topic);
    if (records) records.push(stored);
    else this.outputs.set(topic, [stored]);
  }

  private writeSink(sink: SinkDescriptor, record: StreamRecord): void {
    const pending = this.pendingSinkRecords.get(sink.name) ?? [];
    pending.push(record);
    this.pendingSinkRecords.set(sink.name, pending);
  }

  private endBatch(): void {
    for (const [name, records] of this.pendingSinkRecords) {
      if (records.length === 0) continue;
      const batches = this.batches.get(name);
      if (batches) batches.push(records);
      else this.batches.set(name, [records]);
    }
    this.pendingSinkRecords.clear();
  }

  private processOne(topic: string, record: StreamRecord): void {
    if (this.globalTopics.has(topic)) this.globalTask.process(topic, record);
    else this.task.process(topic, record);
    this.drainInternalTopics();
  }

  /** Takes what went to the topology's own topics (repartition) through the tasks that read them. */
  private drainInternalTopics(): void {
    // Index, not shift(): shift is O(n) per call on a long queue.
    for (let index = 0; index < this.internalQueue.length; index += 1) {
      const next = this.internalQueue[index] as { topic: string; record: StreamRecord };
      this.task.process(next.topic, next.record);
    }
    this.internalQueue.length = 0;
  }

  /** Pipes one record as its own batch. */
  pipeInput<K, V>(topic: string, record: TestRecord<K, V>): void {
    this.pipeInputs(topic, [record]);
  }

  /** Pipes records as one fetched batch. Timestamps default to the wall clock. */
  pipeInputs<K, V>(topic: string, records: readonly TestRecord<K, V>[]): void {
    if (!this.taskTopics.has(topic) && !this.globalTopics.has(topic)) {
      throw new Error(
        `topology "${this.topology.name}" reads no topic "${topic}" (it reads ${[...this.topology.sourceTopics].join(', ')})`,
      );
    }
    for (const input of records) {
      this.processOne(topic, {
        key: input.key,
        value: input.value,
        timestamp: input.timestamp ?? this.wallClockMs,
        headers: input.headers,
        source: { topic, partition: 0, offset: this.nextOffset(topic) },
      });
    }
    this.endBatch();
  }

  /** Advances the wall clock and fires wall-clock punctuators that came due (once each). */
  advanceWallClockTime(ms: number): void {
    this.wallClockMs += ms;
    this.task.punctuate('wall-clock', this.wallClockMs);
    // A punctuator may forward to a repartition topic: the records go on downstream, as on Kafka.
    this.drainInternalTopics();
    this.endBatch();
  }

  /** Moves stream time to `ms` (an input read to its end, as a replay's range): what waits on it closes. */
  advanceStreamTime(ms: number): void {
    this.task.advanceStreamTime(ms);
    this.drainInternalTopics();
    this.endBatch();
  }

  /** Records written to an output topic so far; reading drains them. */
  readOutput<K = unknown, V = unknown>(topic: string): StreamRecord<K, V>[] {
    const records = this.outputs.get(topic) ?? [];
    this.outputs.delete(topic);
    return records as StreamRecord<K, V>[];
  }

  /** The batches a sink adapter would have received, in order. */
  sinkBatches<K = unknown, V = unknown>(sinkName: string): StreamRecord<K, V>[][] {
    return (this.batches.get(sinkName) ?? []) as StreamRecord<K, V>[][];
  }

  sinkRecords<K = unknown, V = unknown>(sinkName: string): StreamRecord<K, V>[] {
    return this.sinkBatches<K, V>(sinkName).flat();
  }

  /** Late and failed records, with the node and the reason, as the DLQ would receive them. */
  deadLetters(): readonly DeadLetter[] {
    return this.letters;
  }

  store<S extends StateStore = KeyValueStore<unknown, unknown>>(name: string): S {
    const built = this.task.stores.get(name) ?? this.globalStores.get(name);
    if (!built) throw new Error(`no store "${name}" (stores: ${[...this.topology.stores.keys()].join(', ')})`);
    return built.store as S;
  }

  /**
   * Runs a commit as the runtime does: processors forward what they held back (rate-limited
   * updates), then caches flush and the changelog entries are collected per store.
   */
  commit(): void {
    this.task.flushProcessors();
    for (const entry of this.task.flushState()) {
      const entries = this.changelogs.get(entry.store);
      if (entries) entries.push(entry);
      else this.changelogs.set(entry.store, [entry]);
    }
  }

  /** What the runtime does when a sink lost its data (Redis restarted empty): open results are sent again. */
  resendOpenResults(): void {
    this.task.resendOpenResults();
    this.endBatch();
  }

  /** Changelog entries written by commits so far, for a store. */
  changelog(storeName: string): readonly ChangelogEntry[] {
    return this.changelogs.get(storeName) ?? [];
  }

  get metrics(): TaskMetrics {
    return this.task.metrics;
  }

  get streamTime(): number {
    return this.task.streamTime;
  }

  close(): void {
    this.task.close();
    this.globalTask.close();
  }
}
