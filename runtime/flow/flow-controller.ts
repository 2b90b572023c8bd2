import type { TopicPartition } from '../kafka/transport';
import { backpressurePauseLatency, pausedPartitions } from '../metrics';
import type { SinkLoad } from '../topology/sink-descriptor';
import { topicsToPause, type FlowControlOptions, type Lane } from './flow-control';
import type { PartitionPauses } from './partition-pauses';

/**
 * Applies flow-control decisions: holds the assigned partitions of the topics that must wait
 * paused (as reason "backpressure" of the shared pause state) and releases the rest.
 */
export class FlowController {
  private paused = new Set<string>();

  constructor(
    private readonly lanes: readonly Lane[],
    private readonly options: FlowControlOptions,
    private readonly applicationId: string,
  ) {}

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
    const grew = [...next].some((topic) => !this.paused.has(topic));
    pauses.hold(
      'backpressure',
      assignment.filter(({ topic }) => next.has(topic)),
    );
    if (grew)
      backpressurePauseLatency.observe({ application: this.applicationId }, (performance.now() - crossedAt) / 1000);
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

  isPaused(topic: string): boolean {
    return this.paused.has(topic);
  }
}
