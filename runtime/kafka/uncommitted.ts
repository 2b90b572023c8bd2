import type { KafkaAdmin } from './admin';

/**
 * How many records of `topics` the consumer group has not committed yet — 0 once it has caught up.
 * Topics the application writes itself (repartition) are written in transactions: their end is one
 * past the last commit marker, so the group is done there at high − 1.
 */
export async function uncommittedRecords(
  admin: KafkaAdmin,
  groupId: string,
  topics: readonly { topic: string; transactional: boolean }[],
): Promise<number> {
  let behind = 0;
  for (const { topic, transactional } of topics) {
    const ends = await admin.endOffsets(topic).catch(() => []);
    const committed = await admin.committedOffsets(groupId, topic).catch(() => new Map<number, number>());
    for (const partition of ends) {
      const end = partition.high - (transactional ? 1 : 0);
      const done = committed.get(partition.partition) ?? -1;
      if (end > 0 && done < end) behind += end - Math.max(0, done);
    }
  }
  return behind;
}
