import { ConfigError } from '../../core/errors';
import type { Topology } from '../topology/topology';

/**
 * How far in event time a higher lane may run ahead of a lagging lower one (the event-time buffer's
 * `maxLaneDriftMs`). Stream time is the largest event time a task saw, so a lower lane's record
 * comes late once the higher lanes ran more than a window's grace ahead of it: the drift must stay
 * below every grace. Within that, the larger it is the longer premium is served at once while the
 * lower lanes lag — a wider grace (later final results, more windows open) buys a longer lead.
 */

/** What a lagging lane's records may still trail beyond the drift, at the repartition's other side (threads align separately). */
const SKEW_MARGIN_MS = 15_000;

/**
 * The drift a topology gets when none is configured: its smallest window grace less a 15 s margin,
 * at least half that grace (30 s → 15 s, 90 s → 75 s); unbounded without windows, where no record
 * can come late.
 */
export function defaultLaneDrift(topology: Topology): number {
  const graces = [...topology.nodes.values()].flatMap((node) => (node.graceMs === undefined ? [] : [node.graceMs]));
  if (graces.length === 0) return Number.POSITIVE_INFINITY;
  const grace = Math.min(...graces);
  return Math.max(grace / 2, grace - SKEW_MARGIN_MS);
}

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
