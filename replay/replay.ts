import type { Admin } from 'kafkajs';
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

/** Records of the plan the replay's group has committed. */
export async function replayedRecords(admin: Admin, plan: ReplayPlan): Promise<number> {
  const topics = [...new Set(plan.partitions.map(({ topic }) => topic))];
  const committed = await admin.fetchOffsets({ groupId: plan.application, topics });
  return plan.partitions.reduce((sum, { topic, partition, from, to }) => {
    const offset = Number(
      committed.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset ?? -1,
    );
    return sum + Math.max(0, Math.min(to, offset) - from);
  }, 0);
}
