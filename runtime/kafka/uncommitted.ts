import type { KafkaAdmin } from './admin';
import { TopicPartitionMap } from './topic-partition-map';
import type { PartitionReader } from './transport';

/**
 * How many records of `topics` the consumer group has not committed yet — 0 once it has caught up.
 * Topics the application writes itself (repartition) are written in transactions: their end is one
 * past the last commit marker, so the group is done there at high − 1. A partition that ends in an
 * aborted transaction (an instance killed mid-transaction, a rebalance) has no record a
 * read_committed consumer sees after the group's offset, yet its end lies further on: given
 * `reader`, such gaps are read (from the group's offset, read_committed) and count only the records
 * there are to see. That read happens only once every other topic is caught up.
 */
export async function uncommittedRecords(
  admin: KafkaAdmin,
  groupId: string,
  topics: readonly { topic: string; transactional: boolean }[],
  reader?: () => PartitionReader,
): Promise<number> {
  let behind = 0;
  const transactionalGaps = new TopicPartitionMap<number>();
  let transactionalBehind = 0;
  for (const { topic, transactional } of topics) {
    const ends = await admin.endOffsets(topic).catch(() => []);
    const committed = await admin.committedOffsets(groupId, topic).catch(() => new Map<number, number>());
    for (const partition of ends) {
      const end = partition.high - (transactional ? 1 : 0);
      const done = committed.get(partition.partition) ?? -1;
      if (end <= 0 || done >= end) continue;
      if (transactional) {
        transactionalBehind += end - Math.max(0, done);
        transactionalGaps.set({ topic, partition: partition.partition }, Math.max(0, done));
      } else behind += end - Math.max(0, done);
    }
  }
  if (behind > 0 || transactionalGaps.size === 0 || !reader) return behind + transactionalBehind;
  const gaps = reader();
  try {
    return await gaps.readToEnd([...transactionalGaps.keys()], () => undefined, transactionalGaps);
  } finally {
    await gaps.disconnect();
  }
}
