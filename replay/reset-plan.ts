import type { Topology } from '../runtime/topology/topology';

/**
 * What `reelstream reset <topology>` does to an application, as Kafka Streams' reset tool does:
 * its consumer group's offsets on its input topics moved to a point (the earliest offset, or the
 * first at or after a time), its internal topics (repartition and changelog) deleted, its local
 * state wiped. Its outputs stay: reelstream's sinks write idempotently (a window's whole value to
 * Redis, rows with their identity and the offset ledger to ClickHouse), so running again after a
 * reset reproduces the results rather than adding to them.
 */
export type ResetPoint = { kind: 'earliest' } | { kind: 'time'; ms: number };

export interface PartitionReset {
  topic: string;
  partition: number;
  /** The group's committed offset now; undefined when it has none. */
  from: number | undefined;
  to: number;
}

export interface ResetPlan {
  application: string;
  offsets: PartitionReset[];
  /** Internal topics that exist and will be deleted. */
  deleteTopics: string[];
  /** Local state directories that exist and will be removed. */
  wipeDirectories: string[];
}

/** The input topics whose offsets a reset moves: sources that are neither internal nor global tables'. */
export function inputTopicsOf(topology: Topology): string[] {
  const internal = new Set(topology.internalTopics);
  const inputs = new Set<string>();
  for (const node of topology.nodes.values())
    if (node.kind === 'source' && !node.global)
      for (const topic of node.topics) if (!internal.has(topic)) inputs.add(topic);
  return [...inputs].sort();
}

/** The repartition topics the application reads: what it wrote itself, to be read before its work is done. */
export function internalSourceTopicsOf(topology: Topology): string[] {
  const internal = new Set(topology.internalTopics);
  const topics = new Set<string>();
  for (const node of topology.nodes.values())
    if (node.kind === 'source' && !node.global)
      for (const topic of node.topics) if (internal.has(topic)) topics.add(topic);
  return [...topics].sort();
}

export function describeResetPlan(plan: ResetPlan, point: ResetPoint): string[] {
  const target =
    point.kind === 'earliest'
      ? 'the earliest offset'
      : `the first offset at or after ${new Date(point.ms).toISOString()}`;
  return [
    `reset of application ${plan.application}: input offsets to ${target}`,
    ...plan.offsets.map(
      ({ topic, partition, from, to }) =>
        `  offset ${topic}[${partition}]: ${from === undefined ? 'none committed' : from} → ${to}`,
    ),
    ...(plan.deleteTopics.length === 0
      ? ['  no internal topics to delete']
      : plan.deleteTopics.map((topic) => `  delete internal topic ${topic}`)),
    ...(plan.wipeDirectories.length === 0
      ? ['  no local state to wipe']
      : plan.wipeDirectories.map((directory) => `  wipe local state ${directory}`)),
  ];
}
