import { join } from 'node:path';
import { DEFAULT_COMMIT_INTERVAL_MS } from '../config/schema';
import type { Logger } from '../../core/logging';
import { createLogger } from '../../core/logging';
import { retry } from '../../core/retry';
import type { SchemaRegistryClient } from '../../schemas/serde/registry-client';
import { checkLaneDrift, defaultLaneDrift } from '../flow/lane-drift';
import { DEFAULT_EVENT_TIME_BUFFER, EventTimeBuffer, type EventTimeBufferOptions } from '../flow/event-time-buffer';
import { DEFAULT_FLOW_CONTROL, fill, type FlowControlOptions, type Lane } from '../flow/flow-control';
import { FlowController } from '../flow/flow-controller';
import { applicationReady, eventTimeLag, threadHeartbeat } from '../metrics';
import type { KafkaAdmin } from '../kafka/admin';
import type { KafkaTransport, TransactionalProducer } from '../kafka/transport';
import type { ErrorPolicy } from '../task/stream-task';
import type { Topology } from '../topology/topology';
import { GlobalTables } from './global-tables';
import { createInternalTopics, deadLetterLimit } from './internal-topics';
import { LagMonitor } from './lag-monitor';
import { OutputEncoders } from './output-encoders';
import { RecordCollector } from './record-collector';
import { SinkSet, type SinkResolver } from './sink-set';
import { SourceDecoders } from './source-decoders';
import { StreamThread } from './stream-thread';
import { TaskManager } from './task-manager';
import type { EventTimeRange } from '../task/stream-task';
import { OverloadControl, type OverloadOptions } from '../flow/overload-control';
import type { ServiceGate } from '../flow/service-gate';
import type { ThreadTurns } from './stream-thread';
import { PressureGauge } from '../flow/pressure-gauge';
import type { PressureSignals } from '../flow/sampling-controller';

export interface StreamApplicationOptions {
  topology: Topology;
  applicationId: string;
  transport: KafkaTransport;
  /** Topic creation and lag measurement (kafkaAdmin() over a connected kafkajs admin client). */
  admin: KafkaAdmin;
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
  /**
   * Event-time-aligned consumption of the source partitions; defaults in runtime/flow/event-time-buffer.ts,
   * except the lane drift, which defaults to what the topology's windows allow (runtime/flow/lane-drift.ts).
   */
  alignment?: Partial<EventTimeBufferOptions>;
  /** A sink failing longer than this logs a "pipeline stalled" warning. Default 30 s. */
  stallWarningMs?: number;
  /**
   * Keep state stores on disk (LMDB) below this directory, in `<dir>/<application>/<instance>/<task>/<store>`;
   * in memory when absent. Entry-logged stores stay in memory (runtime/state/build-store.ts); global
   * tables go to `<dir>/<application>/<instance>/global/<store>`.
   */
  stateDir?: string;
  /** A replay: only input records of this event-time range are processed (runtime/task/stream-task.ts). */
  eventTimeRange?: EventTimeRange;
  /** Overload control (runtime/flow/overload-control.ts); off, with the default limits, when absent. */
  overload?: Partial<OverloadOptions> & { tickMs?: number };
  /**
   * Shared by the applications of one process: a background application (the topology's `service`)
   * yields to a realtime one that is behind (runtime/flow/service-gate.ts).
   */
  serviceGate?: ServiceGate;
}

/** How far past a replay's range stream time moves once the range is read: beyond any window's grace. */
const RANGE_CLOSE_MARGIN_MS = 7 * 24 * 3_600_000;

export const DEFAULT_OVERLOAD: OverloadOptions = {
  mode: 'off',
  limits: { lagSeconds: 10, eventToSinkSeconds: 2, sinkFill: 1 },
};

export const DEFAULT_MAX_EVENT_TIME_AHEAD_MS = 15 * 60_000;

/** Records taken through the tasks per loop turn; backpressure is checked between turns. */
const DEFAULT_MAX_BATCH_RECORDS = 5_000;

/**
 * Runs a topology on Kafka (see docs/runtime.md and docs/architecture.md): wires the parts, each in
 * its own file — the internal topics, the record collector (everything a task emits, the DLQ
 * included), the task manager (tasks and the commit protocol), the changelog restorer, the stream
 * thread (the loop) and the lag monitor. One task per sub-topology and input partition. Each commit
 * is one Kafka transaction holding everything since the last one: output and repartition records,
 * DLQ records, the changelog of every dirty store entry, and the consumed offsets. A crash anywhere
 * therefore leaves either the whole commit or none of it; a restarted instance restores its stores
 * from the changelogs and continues from the committed offsets onto exactly that state.
 */
export class StreamApplication {
  private readonly log: Logger;
  private readonly collector: RecordCollector;
  private readonly sinks: SinkSet;
  private readonly tasks: TaskManager;
  private readonly decoders: SourceDecoders;
  private readonly globalTables: GlobalTables;
  private thread: StreamThread | undefined;
  private producer: TransactionalProducer | undefined;
  private lag: LagMonitor | undefined;
  private readonly overload: OverloadControl;
  private readonly pressure: PressureGauge;
  /** How far a higher lane may run ahead of a lower one in event time (configured, or what the windows allow). */
  private readonly maxLaneDriftMs: number;
  private overloadTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** The run ended with its final commit: on-disk stores may be checkpointed. */
  private stoppedCleanly = false;
  private readonly outputEncoders: OutputEncoders;
  /** Since start; `storeEntries`: what the stores held after the last restore. */
  readonly stats = { processed: 0, commits: 0, restoredRecords: 0, storeEntries: 0 };

  constructor(private readonly options: StreamApplicationOptions) {
    // Every line names the instance: with several stream threads in one process, the thread.
    this.log = (options.logger ?? createLogger('application')).child({ instanceId: options.instanceId });
    const { topology } = options;
    this.outputEncoders = new OutputEncoders(topology, options.registry);
    this.collector = new RecordCollector(
      options.applicationId,
      (what) => this.retryLogging(what),
      new Set(topology.internalTopics),
      this.outputEncoders,
    );
    this.sinks = new SinkSet(topology, options.sinks, {
      applicationId: options.applicationId,
      log: this.log,
      stallWarningMs: options.stallWarningMs,
      onRefused: (sink, record, error) =>
        this.collector.deadLetterRecord(record, error, { reason: 'sink-refused', sink }),
    });
    this.decoders = new SourceDecoders(topology, new Set(topology.internalTopics), options.registry);
    this.globalTables = new GlobalTables({
      topology,
      applicationId: options.applicationId,
      transport: options.transport,
      admin: options.admin,
      decoders: this.decoders,
      stateDir: options.stateDir && join(options.stateDir, options.applicationId, options.instanceId),
      log: this.log,
      retryLogging: (what) => this.retryLogging(what),
    });
    this.maxLaneDriftMs = options.alignment?.maxLaneDriftMs ?? defaultLaneDrift(topology);
    checkLaneDrift(topology, this.maxLaneDriftMs);
    const sampler = [...topology.nodes.values()].find((node) => node.sampling !== undefined);
    this.overload = new OverloadControl(
      sampler?.sampling,
      { ...DEFAULT_OVERLOAD, ...options.overload },
      options.applicationId,
      this.log,
    );
    this.pressure = new PressureGauge(
      options.applicationId,
      new Set(
        [...topology.nodes.values()]
          .filter((node) => node.kind === 'source' && node.lagSignal === false)
          .flatMap((node) => node.topics),
      ),
    );
    this.tasks = new TaskManager({
      sampleRates: (lane) => this.overload.ratesOf(lane),
      eventTimeRange: options.eventTimeRange,
      topology,
      applicationId: options.applicationId,
      errorPolicy: options.errorPolicy,
      maxEventTimeAheadMs: options.maxEventTimeAheadMs ?? DEFAULT_MAX_EVENT_TIME_AHEAD_MS,
      collector: this.collector,
      sinks: this.sinks,
      log: this.log,
      stopping: () => this.stopping,
      sharedStores: this.globalTables.stores,
      stateDir: options.stateDir && join(options.stateDir, options.applicationId, options.instanceId),
    });
  }

  /** This application's part in the process's tiered service, if it shares the process. */
  private turns(): ThreadTurns | undefined {
    const { serviceGate, topology, applicationId } = this.options;
    if (!serviceGate) return undefined;
    if (topology.service === 'background')
      return {
        before: (lastTurnMs) => serviceGate.backgroundTurn(applicationId, lastTurnMs).then(() => undefined),
        processed: () => {},
      };
    return { before: () => Promise.resolve(), processed: () => serviceGate.realtimeWorked(applicationId) };
  }

  async start(): Promise<void> {
    const { transport, admin, applicationId, instanceId, topology } = this.options;
    // Not ready until its first assignment is restored: /readyz must not answer 200 for the other
    // applications of the process while this one has not joined its group yet.
    applicationReady.set({ application: applicationId }, 0);
    await retry(
      () => createInternalTopics(admin, topology, applicationId, this.log),
      this.retryLogging('creating internal topics'),
    );
    const limit = await retry(
      () => deadLetterLimit(admin, this.collector.deadLetters.topic),
      this.retryLogging('reading the DLQ limit'),
    );
    if (limit !== undefined) this.collector.deadLetters.limitTo(limit);
    await retry(() => this.outputEncoders.init(), this.retryLogging('registering the output topics’ schemas'));
    const producer = transport.transactionalProducer(`${applicationId}-${instanceId}`);
    this.producer = producer;
    await retry(() => producer.connect(), this.retryLogging('connecting the producer'));
    this.collector.useProducer(producer);
    const internalTopics = new Set(topology.internalTopics);
    const lanes = lanesOf(topology, internalTopics);
    // In event-time order: the inputs, and the application's own topics that carry lanes (a
    // repartition fed by lanes), so a higher lane goes first there too; other own topics pass.
    const alignedSources = topology.subtopologies
      .filter((sub) => !sub.global)
      .flatMap((sub) => sub.sourceTopics)
      .filter((topic) => !internalTopics.has(topic) || lanes.some((lane) => lane.topic === topic && lane.ownLane));
    const thread = new StreamThread({
      topology,
      applicationId,
      transport,
      consumer: transport.consumer(applicationId),
      tasks: this.tasks,
      collector: this.collector,
      sinks: this.sinks,
      decoders: this.decoders,
      admin,
      buffer: new EventTimeBuffer(
        new Set(alignedSources),
        { ...DEFAULT_EVENT_TIME_BUFFER, ...this.options.alignment, maxLaneDriftMs: this.maxLaneDriftMs },
        new Map(lanes.map((lane) => [lane.topic, lane.priority])),
      ),
      flow: new FlowController(lanes, { ...DEFAULT_FLOW_CONTROL, ...this.options.flowControl }, applicationId),
      commitIntervalMs: this.options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
      maxBatchRecords: this.options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS,
      maxEventTimeAheadMs: this.options.maxEventTimeAheadMs ?? DEFAULT_MAX_EVENT_TIME_AHEAD_MS,
      log: this.log,
      retryLogging: (what) => this.retryLogging(what),
      stats: this.stats,
      pressure: this.pressure,
      turns: this.turns(),
      stallWarningMs: this.options.stallWarningMs,
    });
    this.thread = thread;
    if (this.stopping) thread.stop();
    // Before the thread joins the group: no record is joined against a table still filling.
    await this.globalTables.bootstrap();
    this.globalTables.follow();
    await thread.connect();
    this.lag = new LagMonitor(
      admin,
      applicationId,
      () => thread.assigned,
      (partition) => this.tasks.positionOf(partition),
    );
    this.lag.start(this.options.lagIntervalMs ?? 5_000);
    this.overloadTimer = setInterval(() => {
      const signals = this.pressureSignals();
      eventTimeLag.set({ application: applicationId }, signals.lagSeconds);
      // A replay reads the past: lag is its nature, not overload (and it never samples).
      if (this.options.eventTimeRange) return;
      this.overload.tick(signals);
      if (this.options.topology.service !== 'background')
        this.options.serviceGate?.reportRealtime(applicationId, this.overload.state !== 'normal');
    }, this.options.overload?.tickMs ?? 1_000);
    this.overloadTimer.unref();
    threadHeartbeat.set({ application: applicationId }, Date.now() / 1000);
    this.log.info({ topology: topology.name, transport: transport.name }, 'started');
  }

  /** How every wait for a service is logged: the step, the attempt, the delay, the cause. */
  private retryLogging(what: string) {
    return {
      giveUp: () => this.stopping,
      onRetry: (error: unknown, attempt: number, delay: number) => {
        // Waiting for a service that is down is alive (/healthz).
        threadHeartbeat.set({ application: this.options.applicationId }, Date.now() / 1000);
        this.log.warn({ err: error, attempt, delay }, `${what} failed; retrying`);
      },
    };
  }

  /** The signals the overload control reads on its next tick (docs/overload.md, "What is watched"). */
  pressureSignals(): PressureSignals {
    return this.pressure.signals(fill(this.sinks.load(), { ...DEFAULT_FLOW_CONTROL, ...this.options.flowControl }));
  }

  /** Runs until stop(); returns after a final commit. */
  async run(): Promise<void> {
    if (!this.thread) throw new Error('StreamApplication.run() before start()');
    await this.thread.run();
    this.stoppedCleanly = true;
  }

  /**
   * Finishes the batch, commits and leaves. `{ rangeRead: true }` (a replay whose range was read to
   * its end): the final commit also closes every window, so the range's last minutes get their final
   * results too — nothing of the range can still arrive.
   */
  stop(options: { rangeRead?: boolean } = {}): void {
    this.stopping = true;
    const range = this.options.eventTimeRange;
    this.thread?.stop(options.rangeRead && range ? range.toMs + RANGE_CLOSE_MARGIN_MS : undefined);
  }

  async close(): Promise<void> {
    applicationReady.set({ application: this.options.applicationId }, 0);
    this.lag?.stop();
    clearInterval(this.overloadTimer);
    await this.tasks.close(this.stoppedCleanly ? this.options.admin : undefined);
    await this.sinks.close();
    await this.thread?.disconnect();
    await this.globalTables.close();
    await this.producer?.disconnect();
  }
}

/**
 * Every task source topic with its lane priority. The application's own topics rank with the highest
 * lane, except those of a repartition fed by lanes, which keep their lane's (`ownLane`).
 */
function lanesOf(topology: Topology, internalTopics: ReadonlySet<string>): (Lane & { ownLane: boolean })[] {
  const lanes: (Lane & { ownLane: boolean })[] = [];
  for (const node of topology.nodes.values()) {
    if (node.kind !== 'source' || node.global) continue;
    for (const topic of node.topics)
      if (!internalTopics.has(topic) || node.lanes?.[topic] !== undefined)
        lanes.push({ topic, priority: node.lanes?.[topic] ?? 0, ownLane: internalTopics.has(topic) });
  }
  const highest = Math.max(0, ...lanes.map((lane) => lane.priority));
  for (const topic of internalTopics)
    if (!topic.endsWith('-changelog') && !lanes.some((lane) => lane.topic === topic))
      lanes.push({ topic, priority: highest, ownLane: false });
  return lanes;
}
