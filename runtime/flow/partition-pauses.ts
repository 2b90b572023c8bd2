import { TopicPartitionSet } from '../kafka/topic-partition-map';
import type { GroupConsumer, TopicPartition } from '../kafka/transport';

/**
 * The one owner of the consumer's pause state. Several reasons hold partitions paused at once
 * (backpressure, event-time alignment); a partition is paused while any reason holds it and resumed
 * only when none does, so one reason never resumes what another still holds.
 */
export class PartitionPauses {
  private readonly held = new Map<string, TopicPartitionSet>();
  private applied = new TopicPartitionSet();

  constructor(private readonly consumer: GroupConsumer) {}

  /** Replaces what `reason` holds paused with `partitions`, and applies the difference. */
  hold(reason: string, partitions: readonly TopicPartition[]): void {
    this.held.set(reason, new TopicPartitionSet(partitions));
    this.apply();
  }

  heldBy(reason: string): number {
    return this.held.get(reason)?.size ?? 0;
  }

  isPaused(partition: TopicPartition): boolean {
    return this.applied.has(partition);
  }

  /** After a rebuild paused and resumed the whole assignment: forget lost partitions, pause the held ones again. */
  reapply(assignment: readonly TopicPartition[]): void {
    const assigned = new TopicPartitionSet(assignment);
    for (const partitions of this.held.values())
      for (const partition of [...partitions]) if (!assigned.has(partition)) partitions.delete(partition);
    this.applied = new TopicPartitionSet();
    this.apply();
  }

  private apply(): void {
    const wanted = new TopicPartitionSet();
    for (const partitions of this.held.values()) for (const partition of partitions) wanted.add(partition);
    const toPause = [...wanted].filter((partition) => !this.applied.has(partition));
    const toResume = [...this.applied].filter((partition) => !wanted.has(partition));
    if (toPause.length > 0) this.consumer.pause(toPause);
    if (toResume.length > 0) this.consumer.resume(toResume);
    this.applied = wanted;
  }
}
