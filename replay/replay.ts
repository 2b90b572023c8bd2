import type { Admin } from 'kafkajs';
import { TopicPartitionMap } from '../runtime/kafka/topic-partition-map';
import type { PartitionReader } from '../runtime/kafka/transport';
import type { Topology } from '../runtime/topology/topology';
import type { EventTimeRange } from '../runtime/task/stream-task';
import { LATE_MS, type ReplayPartition, type ReplayPlan } from './replay-plan';
import { inputTopicsOf } from './reset-plan';

/** Plans a replay against the cluster as it is now: the offsets to read per input partition. */
export async function planReplay(
  admin: Admin,
  topology: Topology,
  topologyName: string,
  range: EventTimeRange,
): Promise<ReplayPlan> {
  const partitions: ReplayPartition[] = [];
  for (const topic of inputTopicsOf(topology)) {
    const ends = await admin.fetchTopicOffsets(topic);
    const starts = await admin.fetchTopicOffsetsByTimestamp(topic, range.fromMs - LATE_MS);
    for (const { partition, high } of ends.sort((a, b) => a.partition - b.partition)) {
      const start = Number(starts.find((candidate) => candidate.partition === partition)?.offset ?? high);
      partitions.push({ topic, partition, from: Math.min(start, Number(high)), to: Number(high) });
    }
  }
  return {
    topology: topologyName,
    application: topology.name,
    range,
    partitions,
    records: partitions.reduce((sum, { from, to }) => sum + (to - from), 0),
  };
}

/** The replay's group starts at the plan's offsets. */
export async function seekReplayGroup(admin: Admin, plan: ReplayPlan): Promise<void> {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, from } of plan.partitions)
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset: String(from) }]);
  for (const [topic, partitions] of byTopic) await admin.setOffsets({ groupId: plan.application, topic, partitions });
}

/** The replay's group's committed offset per planned partition (its `from` while it has none). */
export async function committedOffsets(admin: Admin, plan: ReplayPlan): Promise<number[]> {
  const topics = [...new Set(plan.partitions.map(({ topic }) => topic))];
  const committed = await admin.fetchOffsets({ groupId: plan.application, topics });
  return plan.partitions.map(({ topic, partition, from }) => {
    const offset = Number(
      committed.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset ?? -1,
    );
    return Math.max(from, offset);
  });
}

/** Offsets of the plan the replay's group has committed past (progress; markers count as read). */
export function replayedOffsets(plan: ReplayPlan, committed: readonly number[]): number {
  return plan.partitions.reduce((sum, { from, to }, index) => sum + Math.min(to, committed[index] ?? from) - from, 0);
}

/**
 * Whether the replay has read its whole range: every partition committed up to its planned end —
 * or, for a partition whose committed offset stopped short of it, no record left to see before it.
 * Topics written in transactions end in commit markers, and aborted transactions leave offsets no
 * read_committed consumer sees: those are read (read_committed) from the committed offset, and only
 * records before the planned end count.
 */
export async function replayDone(
  plan: ReplayPlan,
  committed: readonly number[],
  reader: PartitionReader,
): Promise<boolean> {
  const short = plan.partitions
    .map((partition, index) => ({ ...partition, at: committed[index] ?? partition.from }))
    .filter(({ at, to }) => at < to);
  if (short.length === 0) return true;
  const from = new TopicPartitionMap<number>();
  for (const { topic, partition, at } of short) from.set({ topic, partition }, at);
  const end = new TopicPartitionMap<number>();
  for (const { topic, partition, to } of short) end.set({ topic, partition }, to);
  let left = 0;
  await reader.readToEnd(
    short.map(({ topic, partition }) => ({ topic, partition })),
    (record) => {
      if (record.offset < (end.get(record) ?? 0)) left += 1;
    },
    from,
  );
  return left === 0;
}
