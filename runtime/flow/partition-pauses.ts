import type { GroupConsumer, TopicPartition } from '../kafka/transport';

const keyOf = ({ topic, partition }: TopicPartition) => `${topic}\u0000${partition}`;

/**
 * The one owner of the consumer's pause state. Several reasons hold partitions paused at once
 * (backpressure, event-time alignment); a partition is paused while any reason holds it and resumed
 * only when none does, so one reason never resumes what another still holds.
 */
export class PartitionPauses {
  private readonly held = new Map<string, Map<string, TopicPartition>>();
  private applied = new Map<string, TopicPartition>();

  constructor(private readonly consumer: GroupConsumer) {}

  /** Replaces what `reason` holds paused with `partitions`, and applies the difference. */
  hold(reason: string, partitions: readonly TopicPartition[]): void {
    this.held.set(reason, new Map(partitions.map((partition) => [keyOf(partition), partition])));
    this.apply();
  }

  heldBy(reason: string): number {
    return this.held.get(reason)?.size ?? 0;
  }

  isPaused(partition: TopicPartition): boolean {
    return this.applied.has(keyOf(partition));
  }

  /** After a rebuild paused and resumed the whole assignment: forget lost partitions, pause the held ones again. */
  reapply(assignment: readonly TopicPartition[]): void {
    const assigned = new Set(assignment.map(keyOf));
    for (const partitions of this.held.values())
      for (const key of [...partitions.keys()]) if (!assigned.has(key)) partitions.delete(key);
    this.applied = new Map();
    this.apply();
  }

  private apply(): void {
    const wanted = new Map<string, TopicPartition>();
    for (const partitions of this.held.values()) for (const [key, partition] of partitions) wanted.set(key, partition);
    const toPause = [...wanted].filter(([key]) => !this.applied.has(key)).map(([, partition]) => partition);
    const toResume = [...this.applied].filter(([key]) => !wanted.has(key)).map(([, partition]) => partition);
    if (toPause.length > 0) this.consumer.pause(toPause);
    if (toResume.length > 0) this.consumer.resume(toResume);
    this.applied = wanted;
  }
}
