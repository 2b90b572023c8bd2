import { ConfigError } from '../../core/errors';
import type { Topology } from '../topology/topology';

/**
 * With lanes of different priorities a higher lane runs up to the drift ahead of a lower one in
 * event time: a drift not below every window's grace would let the lower lane's records come late.
 */
export function checkLaneDrift(topology: Topology, maxLaneDriftMs: number): void {
  const priorities = new Set<number>();
  for (const node of topology.nodes.values())
    if (node.kind === 'source' && !node.global)
      for (const topic of node.topics) priorities.add(node.lanes?.[topic] ?? 0);
  if (priorities.size < 2) return;
  for (const node of topology.nodes.values())
    if (node.graceMs !== undefined && node.graceMs <= maxLaneDriftMs)
      throw new ConfigError(
        `processing.alignmentMaxLaneDriftMs (${maxLaneDriftMs} ms) must be below the grace of every window of ${topology.name}, which reads lanes: ${node.name} has a grace of ${node.graceMs} ms`,
      );
}
