import type {
  Cancellable,
  Processor,
  ProcessorContext,
  PunctuationType,
  SampleRates,
} from '../../processors/api/processor';
import type { StreamRecord } from '../../processors/api/record';
import type { StateStore } from '../../processors/api/stores';
import { buildStore, type StorePersistence, type BuiltStore } from '../state/build-store';
import type { ChangelogEntry } from '../state/changelogging-store';
import type { PhysicalNode, Topology } from '../topology/topology';
import { ProcessingError } from './processing-error';
import type { TaskMetrics, TaskOutputs } from './task-outputs';

/** What to do when a processor throws: CONTINUE sends the record to the DLQ; FAIL stops the task. */
export type ErrorPolicy = 'continue' | 'fail';

export interface StreamTaskOptions {
  applicationId: string;
  taskId: string;
  /** The sub-topologies this task runs (ids); all non-global ones by default. */
  subtopologies?: readonly number[];
  outputs: TaskOutputs;
  errorPolicy?: ErrorPolicy;
  wallClock: () => number;
  /** Stores shared between tasks (global tables), built by the owner of the global sub-topology. */
  sharedStores?: ReadonlyMap<string, BuiltStore>;
  /**
   * An event time further ahead of the wall clock than this (a device with a bad clock) goes to the
   * DLQ as `future-event-time` and never moves stream time, which would close every open window.
   * Unbounded when absent (the test driver's clock is the test's).
   */
  maxEventTimeAheadMs?: number;
  /** Keep the stores that can live on disk in this task directory (runtime/state/lmdb-key-value-store.ts). */
  persistence?: StorePersistence;
  /** The overload control's rates per lane (runtime/flow/overload-control.ts); whole when absent. */
  sampleRates?: (lane: string) => SampleRates;
  /**
   * A replay's range of event time [fromMs, toMs): a record of an input topic outside it is dropped
   * (`outside-replay-range`) before it moves stream time — a record from after the range, read
   * while another partition still holds the range's last events, would otherwise make them late.
   */
  eventTimeRange?: EventTimeRange;
}

export interface EventTimeRange {
  fromMs: number;
  toMs: number;
}

const WHOLE: SampleRates = Object.freeze({ sample: 1, keep: 1 });

interface RuntimeNode {
  spec: PhysicalNode;
  processor?: Processor;
  children: RuntimeNode[];
  childByName: Map<string, RuntimeNode>;
  /** A repartition sink fed by lanes: its topic per lane priority (a record goes to its lane's). */
  topicByLane?: Map<number, string>;
}

interface Schedule {
  node: string;
  type: PunctuationType;
  intervalMs: number;
  next: number;
  callback: (timestamp: number) => void;
  cancelled: boolean;
}

/**
 * One task: the processors and stores of its sub-topologies for one partition. `process` runs a
 * record synchronously, depth first, through the graph (see docs/runtime.md: no promise per record); the
 * owner does I/O around it (sink flush, changelog produce, offset commit).
 *
 * Why this file is over 400 lines: the processor context (forward, stores, punctuation, dead
 * letters) is built here per node, so every path a record takes through the graph stays in one file.
 */
export class StreamTask {
  readonly metrics: TaskMetrics = { recordsIn: 0, late: 0, deadLettered: 0, dropped: new Map(), punctuationErrors: 0 };
  readonly stores = new Map<string, BuiltStore>();
  private readonly nodes = new Map<string, RuntimeNode>();
  private readonly sourcesByTopic = new Map<string, RuntimeNode>();
  private readonly schedules: Schedule[] = [];
  private streamTimeMs = Number.NEGATIVE_INFINITY;
  private currentNode = '';
  /** The lane (priority of the topic read) of the record being processed; undefined outside process(). */
  private currentLane: number | undefined;
  private readonly errorPolicy: ErrorPolicy;
  /** Set while restoreTableRecord() runs: forward and dropped do nothing. */
  private restoringTable = false;

  constructor(
    readonly topology: Topology,
    private readonly options: StreamTaskOptions,
  ) {
    this.errorPolicy = options.errorPolicy ?? 'continue';
    const wanted = new Set(
      options.subtopologies ?? topology.subtopologies.filter((sub) => !sub.global).map((sub) => sub.id),
    );
    const members = topology.subtopologies.filter((sub) => wanted.has(sub.id));
    for (const storeName of members.flatMap((sub) => sub.stores)) {
      const spec = topology.stores.get(storeName);
      if (spec && !spec.global) this.stores.set(storeName, buildStore(spec, options.persistence));
    }
    for (const name of members.flatMap((sub) => sub.nodes)) {
      const spec = topology.nodes.get(name) as PhysicalNode;
      const topicByLane =
        spec.kind === 'topic-sink' && spec.lanes
          ? new Map(Object.entries(spec.lanes).map(([topic, priority]) => [priority, topic]))
          : undefined;
      this.nodes.set(name, { spec, children: [], childByName: new Map(), ...(topicByLane ? { topicByLane } : {}) });
    }
    for (const node of this.nodes.values()) {
      for (const child of node.spec.children) {
        const childNode = this.nodes.get(child);
        if (childNode) {
          node.children.push(childNode);
          node.childByName.set(child, childNode);
        }
      }
      if (node.spec.kind === 'source') for (const topic of node.spec.topics) this.sourcesByTopic.set(topic, node);
    }
  }

  get streamTime(): number {
    return this.streamTimeMs;
  }

  get sourceTopics(): string[] {
    return [...this.sourcesByTopic.keys()];
  }

  /** The topics this task reads as tables (`b.table`): their stores are rebuilt from them on restore. */
  get tableSourceTopics(): string[] {
    return [...this.sourcesByTopic].filter(([, node]) => node.spec.operator === 'table-source').map(([topic]) => topic);
  }

  /** Creates and initializes every processor (after the stores were restored). */
  init(): void {
    for (const node of this.nodes.values()) if (!node.processor) this.initNode(node);
  }

  private initNode(node: RuntimeNode): void {
    if (node.spec.kind !== 'processor' || !node.spec.supplier) return;
    node.processor = node.spec.supplier();
    this.currentNode = node.spec.name;
    node.processor.init?.(this.contextFor(node));
  }

  /**
   * Applies a record of a table's own source topic to the table's store, before init() — the table's
   * topic is its changelog (Kafka Streams' source-topic changelog). It goes through the table's
   * materializing processor, so the same version rules hold, but nothing is forwarded downstream
   * and no drop is counted again: this rebuilds what earlier runs already emitted.
   */
  restoreTableRecord(topic: string, record: StreamRecord): void {
    const source = this.sourcesByTopic.get(topic);
    if (!source) throw new Error(`task ${this.options.taskId} does not read topic "${topic}"`);
    for (const child of source.children) if (!child.processor) this.initNode(child);
    this.restoringTable = true;
    try {
      this.deliver(source, record);
    } finally {
      this.restoringTable = false;
    }
  }

  private store(name: string): StateStore {
    const built = this.stores.get(name) ?? this.options.sharedStores?.get(name);
    if (!built) throw new ProcessingError(this.currentNode, new Error(`store "${name}" is not available to this task`));
    return built.store;
  }

  private contextFor(node: RuntimeNode): ProcessorContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const task = this;
    const allowed = new Set(node.spec.stores);
    return {
      applicationId: this.options.applicationId,
      taskId: this.options.taskId,
      nodeName: node.spec.name,
      get streamTime() {
        return task.streamTimeMs;
      },
      get wallClockTime() {
        return task.options.wallClock();
      },
      forward(record: StreamRecord, childName?: string) {
        if (task.restoringTable) return;
        if (childName === undefined) {
          for (const child of node.children) task.deliver(child, record);
          return;
        }
        const child = node.childByName.get(childName);
        if (!child) throw new Error(`"${node.spec.name}" has no child "${childName}"`);
        task.deliver(child, record);
      },
      getStateStore<S extends StateStore>(name: string): S {
        if (!allowed.has(name)) throw new Error(`processor "${node.spec.name}" did not declare store "${name}"`);
        return task.store(name) as S;
      },
      schedule(intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable {
        if (!(intervalMs > 0)) throw new RangeError(`punctuation interval must be positive (node "${node.spec.name}")`);
        const schedule: Schedule = {
          node: node.spec.name,
          type,
          intervalMs,
          next: type === 'wall-clock' ? task.options.wallClock() + intervalMs : Number.NEGATIVE_INFINITY,
          callback,
          cancelled: false,
        };
        task.schedules.push(schedule);
        return { cancel: () => (schedule.cancelled = true) };
      },
      reportLate(record: StreamRecord, reason: string) {
        task.metrics.late += 1;
        task.options.outputs.deadLetter({ kind: 'late', node: node.spec.name, reason, record });
      },
      dropped(_record: StreamRecord, reason: string) {
        if (task.restoringTable) return;
        task.countDropped(node.spec.name, reason);
      },
      sampleRates(lane: string): SampleRates {
        return task.options.sampleRates?.(lane) ?? WHOLE;
      },
      deadLetter(record: StreamRecord, error: Error) {
        task.metrics.deadLettered += 1;
        task.options.outputs.deadLetter({ kind: 'error', node: node.spec.name, reason: error.message, record, error });
      },
    };
  }

  private deliver(node: RuntimeNode, record: StreamRecord): void {
    const previous = this.currentNode;
    this.currentNode = node.spec.name;
    switch (node.spec.kind) {
      case 'processor':
        (node.processor as Processor).process(record);
        break;
      case 'topic-sink':
        this.options.outputs.toTopic(this.topicOf(node), record, node.spec.name);
        break;
      case 'adapter-sink':
        this.options.outputs.toSink(node.spec.sink as NonNullable<PhysicalNode['sink']>, record, node.spec.name);
        break;
      case 'source':
        for (const child of node.children) this.deliver(child, record);
        break;
    }
    this.currentNode = previous;
  }

  /** A topic sink's topic; for one fed by lanes, the current record's lane's, else (outside a record) the lowest lane's. */
  private topicOf(node: RuntimeNode): string {
    const byLane = node.topicByLane;
    if (!byLane) return node.spec.topics[0] as string;
    const topic = this.currentLane === undefined ? undefined : byLane.get(this.currentLane);
    return topic ?? (byLane.get(Math.min(...byLane.keys())) as string);
  }

  private countDropped(node: string, reason: string): void {
    let reasons = this.metrics.dropped.get(node);
    if (!reasons) this.metrics.dropped.set(node, (reasons = new Map()));
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }

  /**
   * Processes one record read from `topic`. Event time comes from the source's extractor; stream
   * time advances to the largest seen; stream-time punctuators fire after the record.
   */
  process(topic: string, record: StreamRecord, eventTime?: number): void {
    const source = this.sourcesByTopic.get(topic);
    if (!source) throw new Error(`task ${this.options.taskId} does not read topic "${topic}"`);
    this.metrics.recordsIn += 1;
    this.currentNode = source.spec.name;
    try {
      // Extracted again when the runtime's pre-pass failed, so the extractor's own error is reported.
      const timestamp =
        eventTime !== undefined && Number.isFinite(eventTime) ? eventTime : extract(source.spec, record);
      if (!Number.isFinite(timestamp))
        throw new Error(`invalid event time ${String(timestamp)} from the timestamp extractor`);
      const { maxEventTimeAheadMs } = this.options;
      if (maxEventTimeAheadMs !== undefined) {
        const ahead = timestamp - this.options.wallClock();
        if (ahead > maxEventTimeAheadMs) {
          this.metrics.deadLettered += 1;
          this.options.outputs.deadLetter({
            kind: 'future-event-time',
            node: source.spec.name,
            reason: `event time ${timestamp} is ${ahead} ms ahead of the wall clock (at most ${maxEventTimeAheadMs} ms allowed)`,
            record,
          });
          return;
        }
      }
      const range = this.options.eventTimeRange;
      if (range && !source.spec.internalTopic && (timestamp < range.fromMs || timestamp >= range.toMs)) {
        this.countDropped(source.spec.name, 'outside-replay-range');
        return;
      }
      const stamped = timestamp === record.timestamp ? record : { ...record, timestamp };
      if (timestamp > this.streamTimeMs) this.streamTimeMs = timestamp;
      this.currentLane = source.spec.lanes?.[topic] ?? 0;
      this.deliver(source, stamped);
    } catch (error) {
      this.handleFailure(record, error);
    } finally {
      this.currentLane = undefined;
    }
    this.punctuate('stream-time', this.streamTimeMs);
  }

  /**
   * A record's event time as its source's extractor gives it (the record timestamp without one).
   * The runtime asks before processing, to take a batch in event-time order and align partitions;
   * NaN when the extractor throws (process() then dead-letters the record).
   */
  eventTimeOf(topic: string, record: StreamRecord): number {
    const source = this.sourcesByTopic.get(topic);
    if (!source) return Number.NaN;
    try {
      return extract(source.spec, record);
    } catch {
      return Number.NaN;
    }
  }

  private handleFailure(record: StreamRecord, error: unknown): void {
    const failure = error instanceof ProcessingError ? error : new ProcessingError(this.currentNode, error);
    if (this.errorPolicy === 'fail') throw failure;
    this.metrics.deadLettered += 1;
    this.options.outputs.deadLetter({
      kind: 'error',
      node: failure.node,
      reason: failure.message,
      record,
      error: failure,
    });
  }

  /** Fires due punctuators of one clock; wall-clock ones are driven by the owner at batch boundaries. */
  /**
   * A bounded input read to its end (a replay's range): stream time moves to `ms`, so every window
   * (and anything else waiting on stream time) closes and emits its final result now, instead of
   * waiting for records that will never come.
   */
  advanceStreamTime(ms: number): void {
    if (ms <= this.streamTimeMs) return;
    this.streamTimeMs = ms;
    this.punctuate('stream-time', ms);
  }

  punctuate(type: PunctuationType, now: number): void {
    for (const schedule of this.schedules) {
      if (schedule.cancelled || schedule.type !== type || now < schedule.next) continue;
      schedule.next =
        schedule.next === Number.NEGATIVE_INFINITY ? now + schedule.intervalMs : schedule.next + schedule.intervalMs;
      if (schedule.next <= now) schedule.next = now + schedule.intervalMs; // skip missed intervals, fire once
      this.currentNode = schedule.node;
      try {
        schedule.callback(now);
      } catch (error) {
        this.metrics.punctuationErrors += 1;
        if (this.errorPolicy === 'fail') throw new ProcessingError(schedule.node, error);
      }
    }
  }

  /**
   * Commit protocol, before the sinks are flushed: every processor forwards what it held back, so
   * the output of everything the committed state includes is part of the same commit.
   */
  flushProcessors(): void {
    for (const node of this.nodes.values()) {
      if (!node.processor?.flush) continue;
      this.currentNode = node.spec.name;
      try {
        node.processor.flush();
      } catch (error) {
        this.metrics.punctuationErrors += 1;
        if (this.errorPolicy === 'fail') throw new ProcessingError(node.spec.name, error);
      }
    }
  }

  /**
   * A sink lost what it was sent (Redis restarted empty): every processor forwards the current result
   * of everything it still holds open, which reaches the sinks in the same commit.
   */
  resendOpenResults(): void {
    for (const node of this.nodes.values()) {
      if (!node.processor?.resend) continue;
      this.currentNode = node.spec.name;
      node.processor.resend();
    }
  }

  /** Commit protocol, state part: flush write-back caches, then hand over the changelog entries. */
  flushState(): ChangelogEntry[] {
    const entries: ChangelogEntry[] = [];
    for (const built of this.stores.values()) {
      built.caching?.flush();
      if (built.changelogging) entries.push(...built.changelogging.drainChangelog());
      built.persistent?.store.flushWrites();
    }
    return entries;
  }

  close(): void {
    for (const node of this.nodes.values()) node.processor?.close?.();
  }

  /** Closes the on-disk stores (their files stay; a checkpoint, if written, says how far they hold). */
  async closeStores(): Promise<void> {
    for (const built of this.stores.values()) await built.persistent?.store.close();
  }
}

function extract(source: PhysicalNode, record: StreamRecord): number {
  const extractor = source.timestampExtractor;
  // A tombstone (a table's delete) has no value to take an event time from: its record timestamp.
  return extractor && record.value !== null ? extractor(record.value, record.timestamp) : record.timestamp;
}
