import type { Logger } from '../../core/logging';
import { degradationState, metricsRegistry } from '../metrics';
import { OverloadControl } from './overload-control';
import { PressureGauge } from './pressure-gauge';
import type { PressureSignals, SamplingSpec } from './sampling-controller';

const spec: SamplingSpec = {
  lanes: [
    { lane: 'premium', priority: 2, sampled: false },
    { lane: 'basic', priority: 0, sampled: true },
  ],
  policy: [{ lane: 'basic', maxShedShare: 0.3 }],
};
const limits: PressureSignals = { lagSeconds: 10, eventToSinkSeconds: 2, sinkFill: 1 };
const calm: PressureSignals = { lagSeconds: 0, eventToSinkSeconds: 0.1, sinkFill: 0.1 };
const overloaded: PressureSignals = { lagSeconds: 30, eventToSinkSeconds: 1, sinkFill: 0.5 };

function logger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    lines.push({ level, fields, message });
  return { lines, log: { info: at('info'), warn: at('warn') } as unknown as Logger };
}

async function stateMetric(application: string): Promise<number | undefined> {
  const metric = await degradationState.get();
  return metric.values.find(({ labels }) => labels.application === application)?.value;
}

describe('OverloadControl', () => {
  it('walks normal → sampling → shedding → lagging under pressure and back to normal, logging each transition with its cause', async () => {
    const { lines, log } = logger();
    const control = new OverloadControl(spec, { mode: 'adaptive', limits }, 'overload-walk', log);
    const states: string[] = [];
    const tick = (signals: PressureSignals) => {
      control.tick(signals);
      if (states.at(-1) !== control.state) states.push(control.state);
    };
    tick(calm);
    for (let i = 0; i < 12; i += 1) tick(overloaded);
    expect(states).toEqual(['normal', 'sampling', 'shedding', 'lagging']);
    expect(await stateMetric('overload-walk')).toBe(3);
    expect(control.ratesOf('premium')).toEqual({ sample: 1, keep: 1 });
    expect(control.ratesOf('basic').keep).toBeCloseTo(0.7);
    for (let i = 0; i < 20; i += 1) tick(calm);
    expect(control.state).toBe('normal');
    expect(control.ratesOf('basic')).toEqual({ sample: 1, keep: 1 });
    expect(await stateMetric('overload-walk')).toBe(0);
    expect(
      lines.filter(({ level }) => level === 'warn').map(({ fields }) => `${String(fields.from)}→${String(fields.to)}`),
    ).toEqual([
      'normal→sampling',
      'sampling→shedding',
      'shedding→lagging',
      'lagging→shedding',
      'shedding→sampling',
      'sampling→normal',
    ]);
    expect(lines.find(({ fields }) => fields.to === 'sampling')?.fields.cause).toBe('event-time lag 30.0 s over 10 s');
    const text = await metricsRegistry.getSingleMetricAsString('reelstream_degradation_transitions_total');
    expect(text).toContain('application="overload-walk",from="normal",to="sampling"} 1');
  });

  it('with overload control off, or without a sampler, never samples: it only reports lagging, with hysteresis', () => {
    for (const [name, control] of [
      ['off', new OverloadControl(spec, { mode: 'off', limits }, 'overload-off', logger().log)],
      ['no sampler', new OverloadControl(undefined, { mode: 'adaptive', limits }, 'overload-history', logger().log)],
    ] as const) {
      control.tick(overloaded);
      expect([name, control.state]).toEqual([name, 'lagging']);
      expect(control.ratesOf('basic')).toEqual({ sample: 1, keep: 1 });
      control.tick({ ...calm, lagSeconds: 7 }); // below the mark, above the low mark: still lagging
      expect(control.state).toBe('lagging');
      control.tick(calm);
      expect(control.state).toBe('normal');
    }
  });
});

describe('PressureGauge', () => {
  it('measures event-time lag until caught up, and the event age of each commit, growing while a commit waits', () => {
    const gauge = new PressureGauge('gauge-test', new Set(['rollups']));
    const now = 1_000_000;
    expect(gauge.signals(0.5, now)).toEqual({ lagSeconds: 0, eventToSinkSeconds: 0, sinkFill: 0.5 });
    gauge.processed([now - 8_000, now - 5_000, Number.NaN].map((eventTime) => ({ topic: 'plays', eventTime })));
    expect(gauge.signals(0, now)).toEqual({ lagSeconds: 5, eventToSinkSeconds: 5, sinkFill: 0 });
    gauge.committed(now + 500);
    expect(gauge.signals(0, now + 500)).toEqual({ lagSeconds: 5.5, eventToSinkSeconds: 5.5, sinkFill: 0 });
    gauge.processed([{ topic: 'plays', eventTime: now }]);
    gauge.processed([{ topic: 'rollups', eventTime: now - 60_000 }]); // derived: not pressure
    // No commit for 10 s (a sink down): what waits for it ages.
    expect(gauge.signals(0, now + 10_000).eventToSinkSeconds).toBe(10);
    gauge.committed(now + 10_000);
    gauge.idle();
    gauge.committed(now + 10_100);
    expect(gauge.signals(0, now + 20_000)).toEqual({ lagSeconds: 0, eventToSinkSeconds: 0, sinkFill: 0 });
  });

  it('counts as lag the oldest record still waiting for its turn: a lagging lower lane behind a premium lane that is live', () => {
    const gauge = new PressureGauge('gauge-lanes');
    const now = 2_000_000;
    gauge.processed([{ topic: 'premium', eventTime: now - 100 }]);
    gauge.waiting(now - 12_000);
    expect(gauge.signals(0, now).lagSeconds).toBe(12);
    gauge.waiting(Number.POSITIVE_INFINITY); // the lower lane caught up
    expect(gauge.signals(0, now).lagSeconds).toBe(0.1);
  });
});
