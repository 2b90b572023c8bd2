/**
 * Adaptive sampling and last-resort shedding per lane, as a pure decision (docs/overload.md):
 * additive increase, multiplicative decrease (AIMD, as TCP and Netflix's concurrency limits adapt a
 * limit to congestion).
 *
 * Every lane has two probabilities: `sample` (p), the share of its units whose sampled records
 * (heartbeats) are kept, and `keep` (q), the share of its units kept at all — lifecycle events
 * included. Sampling lowers p; shedding lowers q, and p never exceeds q.
 *
 * On every tick the controller is given the pressure: the largest of the watched signals over its
 * limit (consumer lag, event→sink delay, sink fill), so 1 means a signal sits at its limit. At or
 * above `highPressure` it halves (`decreaseFactor`) p of the lowest-priority sampled lane still
 * above `minProbability`, before it touches the next lane up. Once every sampled lane is at its
 * floor, it sheds: it lowers q by `shedStep` of the first lane of the shedding policy that may still
 * shed more, down to 1 − its `maxShedShare`, then the next lane of the policy. Below `lowPressure`
 * it undoes shedding first (the last-shed lane first), then adds `increaseStep` to p of the
 * highest-priority sampled lane still below 1, so the tiers that matter more recover first. In
 * between it holds (hysteresis). Lanes that are never sampled (premium) keep p = q = 1 whatever the
 * pressure, and no policy may name them.
 */
export interface SamplingControllerOptions {
  highPressure: number;
  lowPressure: number;
  decreaseFactor: number;
  increaseStep: number;
  minProbability: number;
  /** How much of a lane's units one shedding tick sheds more, or recovers. */
  shedStep: number;
}

export const DEFAULT_SAMPLING_CONTROL: SamplingControllerOptions = {
  highPressure: 1,
  lowPressure: 0.6,
  decreaseFactor: 0.5,
  increaseStep: 0.1,
  minProbability: 0.1,
  shedStep: 0.1,
};

export interface SampledLane {
  lane: string;
  /** Higher numbers are sampled later and recover sooner. */
  priority: number;
  /** False for a lane that is never sampled nor shed (premium). */
  sampled: boolean;
}

/** The shedding policy, in order: what is shed first, and up to what share of its units. */
export interface ShedRule {
  lane: string;
  /** In [0, 1): the most of the lane's units ever shed. */
  maxShedShare: number;
}

/** What a topology's sampler declares: its lanes and the shedding policy. */
export interface SamplingSpec {
  lanes: readonly SampledLane[];
  policy: readonly ShedRule[];
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

/** A lane's probabilities now: keep its sampled records with `sample`, keep it at all with `keep`. */
export interface LaneRates {
  sample: number;
  keep: number;
}

export interface RateChange {
  lane: string;
  rate: 'sample' | 'keep';
  from: number;
  to: number;
}

const WHOLE: LaneRates = Object.freeze({ sample: 1, keep: 1 });

export class SamplingController {
  private readonly rates = new Map<string, LaneRates>();
  /** Sampled lanes, lowest priority first. */
  private readonly ordered: SampledLane[];
  private readonly policy: readonly ShedRule[];

  constructor(
    lanes: readonly SampledLane[],
    private readonly options: SamplingControllerOptions = DEFAULT_SAMPLING_CONTROL,
    policy: readonly ShedRule[] = [],
  ) {
    if (!(options.minProbability > 0 && options.minProbability <= 1))
      throw new RangeError(`minProbability must be in (0, 1], not ${options.minProbability}`);
    if (!(options.lowPressure < options.highPressure)) throw new RangeError('lowPressure must be below highPressure');
    if (!(options.decreaseFactor > 0 && options.decreaseFactor < 1))
      throw new RangeError(`decreaseFactor must be in (0, 1), not ${options.decreaseFactor}`);
    if (!(options.shedStep > 0 && options.shedStep <= 1))
      throw new RangeError(`shedStep must be in (0, 1], not ${options.shedStep}`);
    for (const rule of policy) {
      const lane = lanes.find(({ lane }) => lane === rule.lane);
      if (!lane) throw new RangeError(`the shedding policy names lane "${rule.lane}", which is not a lane`);
      if (!lane.sampled) throw new RangeError(`the shedding policy names lane "${rule.lane}", which is never shed`);
      if (!(rule.maxShedShare >= 0 && rule.maxShedShare < 1))
        throw new RangeError(`maxShedShare of lane "${rule.lane}" must be in [0, 1), not ${rule.maxShedShare}`);
    }
    for (const { lane } of lanes) this.rates.set(lane, { sample: 1, keep: 1 });
    this.ordered = lanes.filter((lane) => lane.sampled).sort((a, b) => a.priority - b.priority);
    this.policy = policy;
  }

  /** One tick: adapts the rates to the pressure and says what changed, if anything. */
  update(pressure: number): RateChange | undefined {
    const { highPressure, lowPressure, decreaseFactor, increaseStep, minProbability, shedStep } = this.options;
    if (pressure >= highPressure) {
      const lane = this.ordered.find(({ lane }) => this.ratesOf(lane).sample > minProbability);
      if (lane)
        return this.set(lane.lane, 'sample', Math.max(minProbability, this.ratesOf(lane.lane).sample * decreaseFactor));
      const rule = this.policy.find(({ lane, maxShedShare }) => this.ratesOf(lane).keep > 1 - maxShedShare + 1e-9);
      if (!rule) return undefined;
      return this.set(rule.lane, 'keep', Math.max(1 - rule.maxShedShare, this.ratesOf(rule.lane).keep - shedStep));
    }
    if (pressure >= lowPressure) return undefined;
    const shed = [...this.policy].reverse().find(({ lane }) => this.ratesOf(lane).keep < 1);
    if (shed) return this.set(shed.lane, 'keep', Math.min(1, this.ratesOf(shed.lane).keep + shedStep));
    const lane = [...this.ordered].reverse().find(({ lane }) => this.ratesOf(lane).sample < 1);
    if (!lane) return undefined;
    return this.set(lane.lane, 'sample', Math.min(1, this.ratesOf(lane.lane).sample + increaseStep));
  }

  /** The probability of keeping a sampled record of the lane now (1 for a lane never sampled or unknown). */
  probability(lane: string): number {
    return this.ratesOf(lane).sample;
  }

  /** Both rates of the lane now (whole for a lane never sampled or unknown). */
  ratesOf(lane: string): LaneRates {
    return this.rates.get(lane) ?? WHOLE;
  }

  get state(): SamplingState {
    if (this.ordered.some(({ lane }) => this.ratesOf(lane).keep < 1)) return 'shedding';
    return this.ordered.some(({ lane }) => this.ratesOf(lane).sample < 1) ? 'sampling' : 'normal';
  }

  private set(lane: string, rate: 'sample' | 'keep', to: number): RateChange {
    const rates = this.ratesOf(lane);
    const from = rates[rate];
    // Rounded: steps of 0.1 would otherwise drift (0.7000000000000001) in logs and metrics.
    const next = { ...rates, [rate]: Math.round(to * 1e6) / 1e6 };
    // Sampling keeps a subset of the kept units: p never exceeds q.
    next.sample = Math.min(next.sample, next.keep);
    this.rates.set(lane, next);
    return { lane, rate, from, to: next[rate] };
  }
}
