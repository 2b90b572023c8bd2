import type { TopicPartition } from '../kafka/transport';
import { backpressurePauseLatency, backpressureResponse, pausedPartitions } from '../metrics';
import type { SinkLoad } from '../topology/sink-descriptor';
import { topicsToPause, type FlowControlOptions, type Lane } from './flow-control';
import type { PartitionPauses } from './partition-pauses';
import { PauseResponse } from './pause-response';

/**
 * Applies flow-control decisions: holds the assigned partitions of the topics that must wait
 * paused (as reason "backpressure" of the shared pause state) and releases the rest.
 */
export class FlowController {
  private paused = new Set<string>();
  private readonly response: PauseResponse;

  constructor(
    private readonly lanes: readonly Lane[],
    private readonly options: FlowControlOptions,
    private readonly applicationId: string,
  ) {
    this.response = new PauseResponse((seconds) =>
      backpressureResponse.observe({ application: applicationId }, seconds),
    );
  }

  /**
   * True when every lane is paused: the caller should commit, which flushes the sinks and drains
   * them. While only lower lanes are paused, the higher ones keep flowing into the sinks.
   */
  get saturated(): boolean {
    return this.lanes.length > 0 && this.lanes.every(({ topic }) => this.paused.has(topic));
  }

  /**
   * Observes the sinks' load; `crossedAt` (performance.now()) is when the load last grew, so the
   * histogram shows how long a crossing took to turn into paused partitions.
   */
  observe(load: SinkLoad, assignment: readonly TopicPartition[], pauses: PartitionPauses, crossedAt: number): void {
    const next = topicsToPause(load, this.lanes, this.paused, this.options);
    const changed = next.size !== this.paused.size || [...next].some((topic) => !this.paused.has(topic));
    if (!changed) return;
    const newlyPaused = [...next].filter((topic) => !this.paused.has(topic));
    pauses.hold(
      'backpressure',
      assignment.filter(({ topic }) => next.has(topic)),
    );
    if (newlyPaused.length > 0) {
      backpressurePauseLatency.observe({ application: this.applicationId }, (performance.now() - crossedAt) / 1000);
      this.response.paused(newlyPaused, crossedAt);
    }
    this.response.resumed([...this.paused].filter((topic) => !next.has(topic)));
    this.paused = next;
    pausedPartitions.set({ application: this.applicationId }, pauses.heldBy('backpressure'));
  }

  /** After a rebuild (new assignment): hold the paused topics' partitions of the new assignment. */
  reapply(assignment: readonly TopicPartition[], pauses: PartitionPauses): void {
    pauses.hold(
      'backpressure',
      assignment.filter(({ topic }) => this.paused.has(topic)),
    );
    pausedPartitions.set({ application: this.applicationId }, pauses.heldBy('backpressure'));
  }

  /** What a fetch returned, at `at` (performance.now()): closes the response time of pauses it no longer delivers. */
  fetched(records: readonly { topic: string }[], at: number): void {
    this.response.fetched(records, at);
  }

  isPaused(topic: string): boolean {
    return this.paused.has(topic);
  }
}
