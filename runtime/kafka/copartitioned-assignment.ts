/**
 * Assigns partition p of every subscribed topic to the same member, as Kafka Streams' tasks need:
 * a sub-topology reading two co-partitioned topics (a stream and the table it joins) must see
 * partition p of both in one task. kafkajs ships only a round-robin assignor, which splits them.
 * Members are sorted so every member computes the same answer; partition p goes to member p mod n.
 */
export function assignCopartitioned(
  memberIds: readonly string[],
  topics: readonly { topic: string; partitions: readonly number[] }[],
): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const assignment = new Map<string, Record<string, number[]>>(members.map((id) => [id, {}]));
  if (members.length === 0) return assignment;
  for (const { topic, partitions } of topics) {
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      const owner = assignment.get(members[partition % members.length] as string) as Record<string, number[]>;
      (owner[topic] ??= []).push(partition);
    }
  }
  return assignment;
}
