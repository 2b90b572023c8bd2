import type { StreamRecord } from '../../processors/api/record';
import { ConfigError, ReelstreamError, describeError } from '../../core/errors';
import type { Logger } from '../../core/logging';
import { sinkDataLosses, sinkFailingSeconds, sinkFlushDuration, sinkFlushFailures, threadHeartbeat } from '../metrics';
import { retry } from '../../core/retry';
import type { Sink, SinkDescriptor, SinkLoad } from '../topology/sink-descriptor';
import type { Topology } from '../topology/topology';

/** Turns a topology's sink descriptor into a live adapter; the CLI passes one built from sinks/. */
export type SinkResolver = (descriptor: SinkDescriptor) => Sink;

/** A record a sink refused: the application sends it to the DLQ inside the open transaction. */
export type OnRefused = (sink: string, record: StreamRecord, error: Error) => void;

export interface SinkSetOptions {
  applicationId: string;
  log: Logger;
  onRefused: OnRefused;
  /** A sink failing longer than this logs a "pipeline stalled" warning (again every such interval). */
  stallWarningMs?: number;
}

const sinkId = (descriptor: SinkDescriptor) => `${descriptor.type}:${descriptor.name}`;

/**
 * The application's sink adapters. Records reach them per batch (`writePending`, synchronous);
 * `flush` is step 1 of the commit: it waits until every sink acknowledged what it was given,
 * retrying a service that is down with backoff — the commit waits, nothing is dropped. How long
 * each sink has been failing is a gauge, and a long stall is logged with the sink and its cause.
 */
export class SinkSet {
  private readonly sinks = new Map<string, Sink>();
  private readonly pending = new Map<string, StreamRecord[]>();
  private readonly failingSince = new Map<string, number>();
  private readonly lostSinks = new Set<string>();
  private readonly stallWarningMs: number;

  constructor(
    topology: Topology,
    resolver: SinkResolver | undefined,
    private readonly options: SinkSetOptions,
  ) {
    const descriptors = [...topology.nodes.values()].flatMap((node) => (node.sink ? [node.sink] : []));
    if (descriptors.length > 0 && !resolver)
      throw new ConfigError(
        `topology "${topology.name}" writes to sinks (${descriptors.map(sinkId).join(', ')}) but no sink resolver was given`,
      );
    for (const descriptor of descriptors)
      if (!this.sinks.has(sinkId(descriptor)))
        this.sinks.set(sinkId(descriptor), (resolver as SinkResolver)(descriptor));
    this.stallWarningMs = options.stallWarningMs ?? 30_000;
    for (const id of this.sinks.keys()) sinkFailingSeconds.set({ application: options.applicationId, sink: id }, 0);
  }

  get size(): number {
    return this.sinks.size;
  }

  add(descriptor: SinkDescriptor, record: StreamRecord): void {
    const id = sinkId(descriptor);
    let list = this.pending.get(id);
    if (!list) this.pending.set(id, (list = []));
    list.push(record);
  }

  /** Hands each sink what the batch produced for it; a record a sink refuses goes to `onRefused`. */
  writePending(): void {
    for (const [id, records] of this.pending) {
      if (records.length === 0) continue;
      const sink = this.sinks.get(id) as Sink;
      try {
        sink.write(records, (record, error) => this.options.onRefused(id, record, error));
      } catch (error) {
        // The contract says write never throws for a record: this is a bug in the sink, not bad input.
        throw new ReelstreamError(
          `sink ${id} threw from write() instead of refusing a record: ${describeError(error)}`,
          {
            cause: error,
          },
        );
      }
    }
    this.pending.clear();
  }

  load(): SinkLoad {
    let records = 0;
    let bytes = 0;
    for (const sink of this.sinks.values()) {
      const load = sink.load();
      records += load.records;
      bytes += load.bytes;
    }
    return { records, bytes };
  }

  /** Waits for every sink's acknowledgement; a down service is retried until it answers or `giveUp()`. */
  async flush(giveUp: () => boolean): Promise<void> {
    // What the tasks emitted since the last batch (held-back updates forwarded at commit) belongs to this commit.
    this.writePending();
    await Promise.all([...this.sinks].map(([id, sink]) => this.flushOne(id, sink, giveUp)));
  }

  private async flushOne(id: string, sink: Sink, giveUp: () => boolean): Promise<void> {
    const { applicationId, log } = this.options;
    const labels = { application: applicationId, sink: id };
    const timer = sinkFlushDuration.startTimer(labels);
    let lastWarning = 0;
    await retry(() => sink.flush(), {
      maxDelayMs: 10_000,
      giveUp,
      onRetry: (error, attempt, delay) => {
        const now = Date.now();
        // Waiting for a sink that is down is alive: /healthz must not have the process restarted for it.
        threadHeartbeat.set({ application: applicationId }, now / 1000);
        const since = this.failingSince.get(id) ?? now;
        this.failingSince.set(id, since);
        sinkFlushFailures.inc(labels);
        sinkFailingSeconds.set(labels, (now - since) / 1000);
        if (now - since >= this.stallWarningMs && now - lastWarning >= this.stallWarningMs) {
          lastWarning = now;
          log.warn(
            { sink: id, failingForMs: now - since, cause: describeError(error), load: sink.load() },
            'pipeline stalled: a sink does not acknowledge its writes; the commit waits and retries',
          );
        } else log.warn({ err: error, sink: id, attempt, delay }, 'sink flush failed; retrying');
      },
    });
    timer();
    const since = this.failingSince.get(id);
    if (since !== undefined) {
      this.failingSince.delete(id);
      log.info({ sink: id, failedForMs: Date.now() - since }, 'sink recovered: writes acknowledged again');
    }
    sinkFailingSeconds.set(labels, 0);
  }

  /** Idle check of every sink that can tell whether its service lost what it was sent. */
  async probe(): Promise<boolean> {
    await Promise.all(
      [...this.sinks.values()].map((sink) =>
        // A service that is down is the flush's business: the probe only looks for lost data.
        sink
          .probe?.()
          .catch((error: unknown) => this.options.log.debug({ err: error, sink: sink.name }, 'probe failed')),
      ),
    );
    return this.dataLost();
  }

  /**
   * True while a sink's service lost what it was sent and the open results have not been written
   * again in a commit that succeeded: the flag stays until `resent()`, so an aborted commit cannot
   * forget the loss (its rewrite was discarded with it).
   */
  dataLost(): boolean {
    for (const [id, sink] of this.sinks) if (sink.takeDataLoss?.()) this.lostSinks.add(id);
    return this.lostSinks.size > 0;
  }

  /** The commit that wrote the open results again succeeded. */
  resent(): void {
    for (const id of this.lostSinks) sinkDataLosses.inc({ application: this.options.applicationId, sink: id });
    this.lostSinks.clear();
  }

  /** The transaction that produced unflushed writes aborted: drop them (the replay writes them again). */
  discard(): void {
    this.pending.clear();
    for (const sink of this.sinks.values()) sink.discard();
  }

  async close(): Promise<void> {
    const failures: unknown[] = [];
    for (const sink of this.sinks.values()) await sink.close().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }
}
