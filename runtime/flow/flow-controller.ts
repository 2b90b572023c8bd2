import type { GroupConsumer, TopicPartition } from '../kafka/transport';
import { backpressurePauseLatency, pausedPartitions } from '../metrics';
import type { SinkLoad } from '../topology/sink-descriptor';
import { topicsToPause, type FlowControlOptions, type Lane } from './flow-control';

/**
 * Applies flow-control decisions to the consumer: pauses the assigned partitions of the topics
 * that must wait and resumes the rest. It owns only what backpressure paused, so a rebuild that
 * pauses everything for a restore and resumes afterwards re-applies the backpressure state.
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
  observe(load: SinkLoad, assignment: readonly TopicPartition[], consumer: GroupConsumer, crossedAt: number): void {
    const next = topicsToPause(load, this.lanes, this.paused, this.options);
    const toPause = [...next].filter((topic) => !this.paused.has(topic));
    const toResume = [...this.paused].filter((topic) => !next.has(topic));
    if (toPause.length === 0 && toResume.length === 0) return;
    if (toPause.length > 0) {
      consumer.pause(assignment.filter(({ topic }) => toPause.includes(topic)));
      backpressurePauseLatency.observe({ application: this.applicationId }, (performance.now() - crossedAt) / 1000);
    }
    if (toResume.length > 0) consumer.resume(assignment.filter(({ topic }) => toResume.includes(topic)));
    this.paused = next;
    pausedPartitions.set({ application: this.applicationId }, assignment.filter(({ topic }) => next.has(topic)).length);
  }

  /** After a rebuild resumed everything: pause again what backpressure holds. */
  reapply(assignment: readonly TopicPartition[], consumer: GroupConsumer): void {
    const held = assignment.filter(({ topic }) => this.paused.has(topic));
    if (held.length > 0) consumer.pause(held);
    pausedPartitions.set({ application: this.applicationId }, held.length);
  }

  isPaused(topic: string): boolean {
    return this.paused.has(topic);
  }
}
