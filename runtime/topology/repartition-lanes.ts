import { laneRepartitionTopic, repartitionTopic } from '../naming';
import type { TopologyBuilder } from './topology-builder';

/**
 * Lanes survive a repartition. A Kafka partition is one queue: records of every lane written to one
 * repartition topic would wait behind each other downstream, and a premium record behind the lower
 * lanes' backlog. So a repartition whose records come from lanes of different priorities writes
 * each record to a topic of its lane's priority, `<app>-<name>-repartition` for priority 0 and
 * `<app>-<name>-lane<p>-repartition` for a priority p above it, and the downstream sub-topology reads
 * them as lanes again (served by priority in event time, paused lowest first). A repartition fed by
 * one priority keeps its single topic.
 *
 * A record's lane is the priority of the topic its task read it from; a record a processor emits
 * outside one (a punctuation, a commit's flush) travels in the lowest lane.
 */
export function repartitionLanes(builder: TopologyBuilder): Map<string, Record<string, number>> {
  const byName = new Map(builder.nodes.map((node) => [node.name, node]));
  const memo = new Map<string, ReadonlySet<number>>();
  const prioritiesOf = (name: string, seen: Set<string>): ReadonlySet<number> => {
    const known = memo.get(name);
    if (known) return known;
    const node = byName.get(name);
    if (!node || seen.has(name)) return new Set();
    seen.add(name);
    const priorities =
      node.kind === 'source'
        ? new Set(node.topics.map((topic) => node.lanes?.[topic] ?? 0))
        : new Set(node.parents.flatMap((parent) => [...prioritiesOf(parent, seen)]));
    memo.set(name, priorities);
    return priorities;
  };
  const lanes = new Map<string, Record<string, number>>();
  for (const node of builder.nodes) {
    if (node.kind !== 'repartition') continue;
    const priorities = [...prioritiesOf(node.name, new Set())].sort((a, b) => a - b);
    if (priorities.length < 2) continue;
    lanes.set(
      node.name,
      Object.fromEntries(
        priorities.map((priority) => [
          priority === 0
            ? repartitionTopic(builder.name, node.name)
            : laneRepartitionTopic(builder.name, node.name, priority),
          priority,
        ]),
      ),
    );
  }
  return lanes;
}
