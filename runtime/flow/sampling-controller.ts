/**
 * Adaptive sampling probabilities per lane, as a pure decision (docs/overload.md): additive increase,
 * multiplicative decrease (AIMD, as TCP and Netflix's concurrency limits adapt a limit to congestion).
 *
 * On every tick the controller is given the pressure: the largest of the watched signals over its
 * limit (consumer lag, event→sink delay, sink fill), so 1 means a signal sits at its limit. At or
 * above `highPressure` it halves (`decreaseFactor`) the probability of the lowest-priority lane that
 * can still go lower, down to `minProbability`, before it touches the next lane up; below
 * `lowPressure` it adds `increaseStep` to the highest-priority lane still sampled, so the tiers that
 * matter more recover first. In between it holds (hysteresis). Lanes that are never sampled
 * (premium) keep probability 1 whatever the pressure. Once every sampled lane is at its floor and
 * the pressure stays high, the state is `shedding`: sampling alone no longer relieves the pipeline.
 */
export interface SamplingControllerOptions {
  highPressure: number;
  lowPressure: number;
  decreaseFactor: number;
  increaseStep: number;
  minProbability: number;
}

export const DEFAULT_SAMPLING_CONTROL: SamplingControllerOptions = {
  highPressure: 1,
  lowPressure: 0.6,
  decreaseFactor: 0.5,
  increaseStep: 0.1,
  minProbability: 0.05,
};

export interface SampledLane {
  lane: string;
  /** Higher numbers are sampled later and recover sooner. */
  priority: number;
  /** False for a lane that is never sampled (premium). */
  sampled: boolean;
}

/** The watched signals and their limits: pressure is the largest signal over its limit. */
export interface PressureSignals {
  lagSeconds: number;
  eventToSinkSeconds: number;
  sinkFill: number;
}

export function pressureOf(signals: PressureSignals, limits: PressureSignals): number {
  return Math.max(
    signals.lagSeconds / limits.lagSeconds,
    signals.eventToSinkSeconds / limits.eventToSinkSeconds,
    signals.sinkFill / limits.sinkFill,
  );
}

export type SamplingState = 'normal' | 'sampling' | 'shedding';

export class SamplingController {
  private readonly probabilities = new Map<string, number>();
  /** Sampled lanes, lowest priority first. */
  private readonly ordered: SampledLane[];
  private shedding = false;

  constructor(
    lanes: readonly SampledLane[],
    private readonly options: SamplingControllerOptions = DEFAULT_SAMPLING_CONTROL,
  ) {
    if (!(options.minProbability > 0 && options.minProbability <= 1))
      throw new RangeError(`minProbability must be in (0, 1], not ${options.minProbability}`);
    if (!(options.lowPressure < options.highPressure)) throw new RangeError('lowPressure must be below highPressure');
    if (!(options.decreaseFactor > 0 && options.decreaseFactor < 1))
      throw new RangeError(`decreaseFactor must be in (0, 1), not ${options.decreaseFactor}`);
    for (const { lane } of lanes) this.probabilities.set(lane, 1);
    this.ordered = lanes.filter((lane) => lane.sampled).sort((a, b) => a.priority - b.priority);
  }

  /** One tick: adapts the probabilities to the pressure and says what changed, if anything. */
  update(pressure: number): { lane: string; from: number; to: number } | undefined {
    const { highPressure, lowPressure, decreaseFactor, increaseStep, minProbability } = this.options;
    if (pressure >= highPressure) {
      const lane = this.ordered.find(({ lane }) => this.probability(lane) > minProbability);
      this.shedding = lane === undefined && this.ordered.length > 0;
      if (!lane) return undefined;
      return this.set(lane.lane, Math.max(minProbability, this.probability(lane.lane) * decreaseFactor));
    }
    this.shedding = false;
    if (pressure >= lowPressure) return undefined;
    const lane = [...this.ordered].reverse().find(({ lane }) => this.probability(lane) < 1);
    if (!lane) return undefined;
    return this.set(lane.lane, Math.min(1, this.probability(lane.lane) + increaseStep));
  }

  /** The probability of keeping a sampled record of the lane now (1 for a lane never sampled or unknown). */
  probability(lane: string): number {
    return this.probabilities.get(lane) ?? 1;
  }

  get state(): SamplingState {
    if (this.shedding) return 'shedding';
    return this.ordered.some(({ lane }) => this.probability(lane) < 1) ? 'sampling' : 'normal';
  }

  private set(lane: string, to: number): { lane: string; from: number; to: number } {
    const from = this.probability(lane);
    this.probabilities.set(lane, to);
    return { lane, from, to };
  }
}
