import type { SinkLoad } from '../topology/sink-descriptor';

/**
 * Backpressure and priority lanes (see docs/runtime.md) as a pure decision: given how full the sinks are,
 * which source topics should be paused. The runtime applies it after every batch (so a crossing is
 * acted on in the same tick) and while it waits for sinks to drain.
 *
 * Fill is the larger of records/highWaterRecords and bytes/highWaterBytes. With one lane, the
 * source pauses at fill 1 and resumes below lowWater/highWater. With lanes, lower priorities pause
 * earlier: lanes are ranked by priority and the lowest pauses at fill 1 − laneSpread, the highest at
 * 1, the rest evenly between; each resumes once fill falls below its own threshold times the
 * low/high ratio (hysteresis, so a lane does not flap around its threshold) and no higher lane is
 * still paused — under sustained overload the highest lane is served and the lowest waits.
 */
export interface FlowControlOptions {
  highWaterRecords: number;
  lowWaterRecords: number;
  highWaterBytes: number;
  lowWaterBytes: number;
  /** How much earlier (as a fraction of the high-water mark) the lowest lane pauses than the highest. */
  laneSpread: number;
}

export const DEFAULT_FLOW_CONTROL: FlowControlOptions = {
  highWaterRecords: 200_000,
  lowWaterRecords: 50_000,
  highWaterBytes: 64 * 1024 * 1024,
  lowWaterBytes: 16 * 1024 * 1024,
  laneSpread: 0.5,
};

/** A source topic and its priority: higher numbers are served longer. */
export interface Lane {
  topic: string;
  priority: number;
}

export function fill(load: SinkLoad, options: FlowControlOptions): number {
  return Math.max(load.records / options.highWaterRecords, load.bytes / options.highWaterBytes);
}

/** The pause threshold (as a fill) of each topic: distinct priorities spread over [1 − laneSpread, 1]. */
export function pauseThresholds(lanes: readonly Lane[], options: FlowControlOptions): Map<string, number> {
  const priorities = [...new Set(lanes.map((lane) => lane.priority))].sort((a, b) => a - b);
  const steps = Math.max(1, priorities.length - 1);
  const thresholds = new Map<string, number>();
  for (const { topic, priority } of lanes) {
    const rank = priorities.indexOf(priority);
    thresholds.set(topic, priorities.length === 1 ? 1 : 1 - options.laneSpread * ((steps - rank) / steps));
  }
  return thresholds;
}

/** The topics to keep paused after this observation, given the ones paused before it. */
export function topicsToPause(
  load: SinkLoad,
  lanes: readonly Lane[],
  pausedBefore: ReadonlySet<string>,
  options: FlowControlOptions,
): Set<string> {
  const current = fill(load, options);
  const resumeRatio = Math.min(
    options.lowWaterRecords / options.highWaterRecords,
    options.lowWaterBytes / options.highWaterBytes,
  );
  const thresholds = pauseThresholds(lanes, options);
  const priorityOf = new Map(lanes.map((lane) => [lane.topic, lane.priority]));
  const paused = new Set<string>();
  for (const [topic, threshold] of thresholds) {
    const priority = priorityOf.get(topic) ?? 0;
    // Resume top-down: a lane waits while a higher one is still paused, so the highest lane takes
    // the capacity that frees up first (strict priority; shedding low lanes is the overload layer's job).
    const higherPaused = lanes.some((lane) => lane.priority > priority && pausedBefore.has(lane.topic));
    const stayPaused = pausedBefore.has(topic) && (current >= threshold * resumeRatio || higherPaused);
    if (current >= threshold || stayPaused) paused.add(topic);
  }
  return paused;
}
