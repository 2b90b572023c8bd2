import type { SampleRates } from '../../processors/api/processor';
import type { Logger } from '../../core/logging';
import { degradationState, degradationTransitions, overloadPressure, sampleRate } from '../metrics';
import {
  DEFAULT_SAMPLING_CONTROL,
  pressureOf,
  SamplingController,
  type PressureSignals,
  type SamplingSpec,
} from './sampling-controller';

/** `off`: never sample nor shed (figures exact; Kafka buffers an overload). `adaptive`: sample and shed under pressure. */
export type OverloadMode = 'off' | 'adaptive';

export interface OverloadOptions {
  mode: OverloadMode;
  /** The limits of the watched signals: pressure 1 when one of them is reached. */
  limits: PressureSignals;
}

/**
 * The degradation states, in order of severity (docs/overload.md): `lagging` means behind the limits
 * with nothing left to sample or shed — for an application without a sampler (the historical path)
 * or with overload control off, the only way it degrades: Kafka buffers.
 */
export const DEGRADATION_STATES = ['normal', 'sampling', 'shedding', 'lagging'] as const;
export type DegradationState = (typeof DEGRADATION_STATES)[number];

const WHOLE: SampleRates = Object.freeze({ sample: 1, keep: 1 });

/**
 * One application's overload control: on every tick it turns the watched signals into a pressure,
 * lets the sampling controller adapt each lane's rates (when the topology samples and the mode is
 * adaptive), and keeps the degradation state — as a metric, with each transition logged with its
 * cause. The rates it gives are what the topology's sampler reads (ProcessorContext.sampleRates).
 */
export class OverloadControl {
  private readonly controller: SamplingController | undefined;
  private current: DegradationState = 'normal';

  constructor(
    spec: SamplingSpec | undefined,
    private readonly options: OverloadOptions,
    private readonly applicationId: string,
    private readonly log: Logger,
  ) {
    if (spec && options.mode === 'adaptive')
      this.controller = new SamplingController(spec.lanes, DEFAULT_SAMPLING_CONTROL, spec.policy);
    degradationState.set({ application: applicationId }, 0);
    if (this.controller)
      for (const { lane } of spec?.lanes ?? [])
        for (const rate of ['sample', 'keep'] as const) sampleRate.set({ application: applicationId, lane, rate }, 1);
  }

  get state(): DegradationState {
    return this.current;
  }

  ratesOf(lane: string): SampleRates {
    return this.controller?.ratesOf(lane) ?? WHOLE;
  }

  tick(signals: PressureSignals): void {
    const { applicationId } = this;
    const pressure = pressureOf(signals, this.options.limits);
    overloadPressure.set({ application: applicationId }, pressure);
    const change = this.controller?.update(pressure);
    if (change) {
      sampleRate.set({ application: applicationId, lane: change.lane, rate: change.rate }, change.to);
      if (change.rate === 'keep' && this.controller)
        sampleRate.set(
          { application: applicationId, lane: change.lane, rate: 'sample' },
          this.controller.ratesOf(change.lane).sample,
        );
      this.log.info(
        { ...change, pressure, signals },
        `overload: ${change.rate} rate of lane ${change.lane} ${change.from} → ${change.to}`,
      );
    }
    this.moveTo(this.nextState(pressure, change !== undefined), pressure, signals);
  }

  private nextState(pressure: number, adapted: boolean): DegradationState {
    const controlled = this.controller?.state ?? 'normal';
    const exhausted = pressure >= DEFAULT_SAMPLING_CONTROL.highPressure && !adapted;
    if (exhausted) return 'lagging';
    // Out of lagging once the pressure is below the mark again (or the controller adapted).
    if (this.current === 'lagging' && controlled === 'normal' && pressure >= DEFAULT_SAMPLING_CONTROL.lowPressure)
      return 'lagging';
    return controlled;
  }

  private moveTo(next: DegradationState, pressure: number, signals: PressureSignals): void {
    if (next === this.current) return;
    const from = this.current;
    this.current = next;
    degradationState.set({ application: this.applicationId }, DEGRADATION_STATES.indexOf(next));
    degradationTransitions.inc({ application: this.applicationId, from, to: next });
    const cause = pressure >= 1 ? causeOf(signals, this.options.limits) : 'pressure fell';
    this.log.warn({ from, to: next, pressure, signals, cause }, `overload: ${from} → ${next} (${cause})`);
  }
}

/** Which signal drives the pressure, in words. */
function causeOf(signals: PressureSignals, limits: PressureSignals): string {
  const ratios: [string, number][] = [
    [
      `event-time lag ${signals.lagSeconds.toFixed(1)} s over ${limits.lagSeconds} s`,
      signals.lagSeconds / limits.lagSeconds,
    ],
    [
      `event→sink ${signals.eventToSinkSeconds.toFixed(1)} s over ${limits.eventToSinkSeconds} s`,
      signals.eventToSinkSeconds / limits.eventToSinkSeconds,
    ],
    [`sink fill ${signals.sinkFill.toFixed(2)} over ${limits.sinkFill}`, signals.sinkFill / limits.sinkFill],
  ];
  return ratios.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}
