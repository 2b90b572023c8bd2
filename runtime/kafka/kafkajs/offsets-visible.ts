import type { Admin } from 'kafkajs';
import { ServiceUnavailableError } from '../../../core/errors';
import { retry } from '../../../core/retry';
import type { TopicPartitionOffset } from '../transport';
import { step } from './errors';

/**
 * Resolves once the group's committed offsets (OffsetFetch) show at least these offsets.
 *
 * A transaction's offsets become visible only when the broker has written the commit markers,
 * shortly after EndTxn returned. A member that takes a partition over reads where to start with
 * OffsetFetch, and kafkajs cannot ask for stable offsets (OffsetFetch v7 `require_stable`,
 * KIP-447), so it can read the offsets from before that transaction and process its records a
 * second time. The member that committed waits here before it lets kafkajs rejoin a rebalance.
 * Usually the first fetch already shows them; a broker that is down is waited for (`giveUp` ends that).
 */
export async function untilOffsetsVisible(
  admin: Admin,
  groupId: string,
  offsets: readonly TopicPartitionOffset[],
  giveUp: () => boolean,
): Promise<void> {
  if (offsets.length === 0) return;
  const topics = [...new Set(offsets.map(({ topic }) => topic))];
  await retry(
    async () => {
      const fetched = await step('fetch committed offsets', () => admin.fetchOffsets({ groupId, topics }));
      for (const { topic, partition, offset } of offsets) {
        const seen = Number(
          fetched.find((entry) => entry.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset ??
            -1,
        );
        if (seen < offset)
          throw new ServiceUnavailableError(
            'kafka',
            `committed offset ${offset} of ${topic}[${partition}] not visible yet (group ${groupId} shows ${seen})`,
          );
      }
    },
    { initialDelayMs: 5, maxDelayMs: 1_000, giveUp },
  );
}
