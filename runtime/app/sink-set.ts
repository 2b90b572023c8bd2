import type { StreamRecord } from '../../processors/api/record';
import { ConfigError, isRetriable } from '../errors';
import type { Logger } from '../logging';
import { sinkFlushDuration } from '../metrics';
import type { Sink, SinkDescriptor, SinkLoad } from '../topology/sink-descriptor';
import type { Topology } from '../topology/topology';

/** Turns a topology's sink descriptor into a live adapter; the CLI passes one built from sinks/. */
export type SinkResolver = (descriptor: SinkDescriptor) => Sink;

const sinkId = (descriptor: SinkDescriptor) => `${descriptor.type}:${descriptor.name}`;

/**
 * The application's sink adapters. Records reach them per batch (`writePending`, synchronous);
 * `flush` is step 1 of the commit: it waits until every sink acknowledged what it was given,
 * retrying a service that is down with backoff — the commit waits, nothing is dropped.
 */
export class SinkSet {
  private readonly sinks = new Map<string, Sink>();
  private readonly pending = new Map<string, StreamRecord[]>();

  constructor(
    topology: Topology,
    resolver: SinkResolver | undefined,
    private readonly applicationId: string,
    private readonly log: Logger,
  ) {
    const descriptors = [...topology.nodes.values()].flatMap((node) => (node.sink ? [node.sink] : []));
    if (descriptors.length > 0 && !resolver)
      throw new ConfigError(
        `topology "${topology.name}" writes to sinks (${descriptors.map(sinkId).join(', ')}) but no sink resolver was given`,
      );
    for (const descriptor of descriptors)
      if (!this.sinks.has(sinkId(descriptor)))
        this.sinks.set(sinkId(descriptor), (resolver as SinkResolver)(descriptor));
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

  /** Hands each sink what the batch produced for it. */
  writePending(): void {
    for (const [id, records] of this.pending) {
      if (records.length > 0) this.sinks.get(id)?.write(records);
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
    await Promise.all(
      [...this.sinks].map(async ([id, sink]) => {
        const timer = sinkFlushDuration.startTimer({ application: this.applicationId, sink: id });
        for (let attempt = 0; ; attempt += 1) {
          try {
            await sink.flush();
            timer();
            return;
          } catch (error) {
            if (!isRetriable(error) || giveUp()) throw error;
            const delay = Math.min(10_000, 100 * 2 ** attempt);
            this.log.warn({ err: error, sink: id, attempt, delay }, 'sink flush failed; retrying');
            await new Promise((resolve) => setTimeout(resolve, delay));
          }
        }
      }),
    );
  }

  /** The transaction that produced unflushed writes aborted: drop them (the replay writes them again). */
  discard(): void {
    this.pending.clear();
    for (const sink of this.sinks.values()) sink.discard();
  }

  async close(): Promise<void> {
    for (const sink of this.sinks.values()) await sink.close();
  }
}
