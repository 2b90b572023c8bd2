import type { KafkaAdmin } from '../kafka/admin';
import type { TopicPartition } from '../kafka/transport';
import { consumerLag } from '../metrics';

/**
 * Measures consumer lag per assigned partition on a timer: the partition's end minus the next
 * offset to process (`reelstream_consumer_lag`). A measurement never overlaps the previous one.
 */
export class LagMonitor {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly admin: KafkaAdmin,
    private readonly applicationId: string,
    private readonly assignment: () => readonly TopicPartition[],
    /** The last processed offset of a partition, if its task processed any. */
    private readonly position: (partition: TopicPartition) => number | undefined,
  ) {}

  start(intervalMs: number): void {
    let measuring = false;
    this.timer = setInterval(() => {
      if (measuring) return;
      measuring = true;
      void this.measure().finally(() => (measuring = false));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async measure(): Promise<void> {
    const assignment = this.assignment();
    const topics = [...new Set(assignment.map(({ topic }) => topic))];
    for (const topic of topics) {
      const ends = await this.admin.endOffsets(topic).catch(() => []);
      for (const end of ends) {
        if (!assignment.some((p) => p.topic === topic && p.partition === end.partition)) continue;
        const position = this.position({ topic, partition: end.partition });
        if (position === undefined) continue;
        consumerLag.set(
          { application: this.applicationId, topic, partition: String(end.partition) },
          Math.max(0, end.high - position - 1),
        );
      }
    }
  }
}
