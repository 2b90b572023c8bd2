import type { Admin } from 'kafkajs';

/**
 * How many records of `topics` the consumer group has not committed yet — 0 once it has caught up.
 * Topics the application writes itself (repartition) are written in transactions: their end is one
 * past the last commit marker, so the group is done there at high − 1.
 */
export async function uncommittedRecords(
  admin: Admin,
  groupId: string,
  topics: readonly { topic: string; transactional: boolean }[],
): Promise<number> {
  let behind = 0;
  for (const { topic, transactional } of topics) {
    const ends = await admin.fetchTopicOffsets(topic).catch(() => []);
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] }).catch(() => []);
    for (const partition of ends) {
      const end = Number(partition.high) - (transactional ? 1 : 0);
      const done = Number(offsets[0]?.partitions.find((p) => p.partition === partition.partition)?.offset ?? -1);
      if (end > 0 && done < end) behind += end - Math.max(0, done);
    }
  }
  return behind;
}
