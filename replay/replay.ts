import type { Admin } from 'kafkajs';
import { TopicPartitionMap } from '../runtime/kafka/topic-partition-map';
import type { PartitionReader, TopicPartition } from '../runtime/kafka/transport';
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

/** A partition read up to `at` (its committed offset) that must be read up to `to`. */
export interface Remaining extends TopicPartition {
  at: number;
  to: number;
}

/**
 * Whether nothing is left to see before `to` in any of the partitions. Topics written in
 * transactions end in commit markers, and aborted transactions leave offsets no read_committed
 * consumer sees: a partition committed short of `to` is read (read_committed) from `at`, and only
 * records before `to` count.
 */
export async function nothingLeft(remaining: readonly Remaining[], reader: PartitionReader): Promise<boolean> {
  const short = remaining.filter(({ at, to }) => at < to);
  if (short.length === 0) return true;
  const from = new TopicPartitionMap<number>();
  const end = new TopicPartitionMap<number>();
  for (const { topic, partition, at, to } of short) {
    from.set({ topic, partition }, at);
    end.set({ topic, partition }, to);
  }
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

/** Whether the replay has read its whole range: every planned partition committed up to its end, or nothing left before it. */
export function replayDone(plan: ReplayPlan, committed: readonly number[], reader: PartitionReader): Promise<boolean> {
  return nothingLeft(
    plan.partitions.map((partition, index) => ({ ...partition, at: committed[index] ?? partition.from, to: partition.to })),
    reader,
  );
}

/**
 * How far the application is from having read everything it wrote to its repartition topics, per
 * partition. Once the input is read, the repartitioned records still wait for the tasks that
 * aggregate them: stopping then would write the windows they were adding to as far as they got. The
 * committed offsets are fetched before the ends, so a record written by a transaction committed
 * before that is counted.
 */
export async function repartitionBacklog(admin: Admin, groupId: string, topics: readonly string[]): Promise<Remaining[]> {
  if (topics.length === 0) return [];
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const remaining: Remaining[] = [];
  for (const topic of topics) {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      const offset = Number(
        committed.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset ?? -1,
      );
      remaining.push({ topic, partition, at: Math.max(offset, Number(low)), to: Number(high) });
    }
  }
  return remaining;
}
