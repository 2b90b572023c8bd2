import type { Admin } from 'kafkajs';
import { TopicPartitionMap } from '../runtime/kafka/topic-partition-map';
import type { PartitionReader, TopicPartition } from '../runtime/kafka/transport';
import type { Topology } from '../runtime/topology/topology';
import type { EventTimeRange } from '../runtime/task/stream-task';
import type { Kafka } from 'kafkajs';
import type { ConsumedRecord, TopicPartitionOffset } from '../runtime/kafka/transport';
import { LATE_MS, type ReplayPartition, type ReplayPlan, type ReplayPoint } from './replay-plan';
import { recordsAt } from './records-at';
import type { SourceDecoders } from '../runtime/app/source-decoders';
import { inputTopicsOf } from './reset-plan';

/**
 * The event time a replay point stands for. Offsets stand for their records' event times (as the
 * topology's timestamp extractor gives them): `from` the earliest of them, `to` the latest
 * (undefined when every offset is at its partition's end: the range then ends at the current
 * minute, as without `--to`).
 */
export async function timeOfPoint(
  kafka: Kafka,
  admin: Admin,
  topology: Topology,
  decoders: SourceDecoders,
  point: ReplayPoint,
  side: 'from' | 'to',
): Promise<number | undefined> {
  if (point.kind === 'time') return point.ms;
  const points: TopicPartitionOffset[] = [];
  for (const topic of inputTopicsOf(topology))
    for (const { partition } of await admin.fetchTopicOffsets(topic)) {
      const offset = 'everyPartition' in point ? point.everyPartition : point.byPartition.get(partition);
      if (offset !== undefined) points.push({ topic, partition, offset });
    }
  if ('byPartition' in point)
    for (const partition of point.byPartition.keys())
      if (!points.some((candidate) => candidate.partition === partition))
        throw new RangeError(`--${side}: no input topic of ${topology.name} has partition ${partition}`);
  const records = [...(await recordsAt(kafka, admin, points)).values()].filter(
    (record): record is ConsumedRecord => record !== undefined,
  );
  await decoders.prepare(records);
  const times = records.map((record) => eventTimeOf(topology, decoders, record));
  if (times.length > 0) return side === 'from' ? Math.min(...times) : Math.max(...times);
  if (side === 'from')
    throw new RangeError('--from: every offset given is at or past the end of its partition: nothing to replay');
  return undefined;
}

function eventTimeOf(topology: Topology, decoders: SourceDecoders, record: ConsumedRecord): number {
  const source = [...topology.nodes.values()].find(
    (node) => node.kind === 'source' && !node.global && node.topics.includes(record.topic),
  );
  const extractor = source?.timestampExtractor;
  if (!extractor) return record.timestamp;
  const time = extractor(decoders.decode(record).value, record.timestamp);
  if (!Number.isFinite(time))
    throw new RangeError(
      `the record at ${record.topic}[${record.partition}] offset ${record.offset} has no event time`,
    );
  return time;
}

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
    plan.partitions.map((partition, index) => ({
      ...partition,
      at: committed[index] ?? partition.from,
      to: partition.to,
    })),
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
export async function repartitionBacklog(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<Remaining[]> {
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
