import type { StreamRecord } from './record';
import type { StateStore } from './stores';

/**
 * The low-level Processor API (after Kafka Streams' `Processor`). The DSL's operators are written
 * against it, and so can a user's own processors. `process` is synchronous by contract: a fetched
 * batch flows through the graph with no promise per record; I/O happens at commit boundaries only.
 */
export interface Processor<KIn = unknown, VIn = unknown, KOut = unknown, VOut = unknown> {
  init?(context: ProcessorContext<KOut, VOut>): void;
  process(record: StreamRecord<KIn, VIn>): void;
  /**
   * Called at every commit, before the state is written: forward whatever the processor holds back
   * (a rate-limited update). The commit's state then never includes a change whose output is still
   * unsent — a crash right after it would lose that output for good, since the restored state no
   * longer knows it was pending.
   */
  flush?(): void;
  /**
   * A sink lost what it was sent earlier (Redis restarted without persistence): forward the current
   * result of everything still open (window aggregates), as updates. Sinks write idempotently, so
   * sending a value again is harmless.
   */
  resend?(): void;
  close?(): void;
}

export type ProcessorSupplier<KIn = unknown, VIn = unknown, KOut = unknown, VOut = unknown> = () => Processor<
  KIn,
  VIn,
  KOut,
  VOut
>;

/** Stream time advances with the event times of processed records; wall-clock time with the clock. */
export type PunctuationType = 'stream-time' | 'wall-clock';

export interface Cancellable {
  cancel(): void;
}

/** A lane's probabilities under overload: keep a unit's sampled records with `sample` (p), keep the unit at all with `keep` (q ≥ p). */
export interface SampleRates {
  sample: number;
  keep: number;
}

export interface ProcessorContext<KOut = unknown, VOut = unknown> {
  readonly applicationId: string;
  readonly taskId: string;
  /** The node this context belongs to. */
  readonly nodeName: string;
  /** Max event time the task has seen (−Infinity before the first record). */
  readonly streamTime: number;
  readonly wallClockTime: number;
  /** Sends a record to every child, or to the named child only. */
  forward(record: StreamRecord<KOut, VOut>, childName?: string): void;
  getStateStore<S extends StateStore>(name: string): S;
  schedule(intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable;
  /** A record that arrived after its window closed: counted and routed to the late/DLQ output. */
  reportLate(record: StreamRecord, reason: string): void;
  /** A record deliberately not forwarded (e.g. a stale version): counted and logged, never silent. */
  dropped(record: StreamRecord, reason: string): void;
  /**
   * The overload controller's rates for a lane now (processors/sampler.ts): whole (1, 1) unless the
   * application runs with adaptive overload control and is under pressure.
   */
  sampleRates(lane: string): SampleRates;
  /** A record this node could not process: counted and routed to the DLQ with the error. */
  deadLetter(record: StreamRecord, error: Error): void;
}
