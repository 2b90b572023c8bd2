import { pressureOf, SamplingController, type SampledLane } from './sampling-controller';

const lanes: SampledLane[] = [
  { lane: 'premium', priority: 2, sampled: false },
  { lane: 'standard', priority: 1, sampled: true },
  { lane: 'basic', priority: 0, sampled: true },
];
const options = { highPressure: 1, lowPressure: 0.6, decreaseFactor: 0.5, increaseStep: 0.1, minProbability: 0.05 };
const probabilities = (controller: SamplingController) => lanes.map(({ lane }) => controller.probability(lane));

describe('SamplingController', () => {
  it('samples the lowest lane first, down to its floor, before the next; never premium', () => {
    const controller = new SamplingController(lanes, options);
    expect(controller.state).toBe('normal');
    expect(controller.update(1.5)).toEqual({ lane: 'basic', from: 1, to: 0.5 });
    expect(controller.state).toBe('sampling');
    for (let tick = 0; tick < 4; tick += 1) controller.update(1.5);
    expect(probabilities(controller)).toEqual([1, 1, 0.05]); // 0.5 → 0.25 → 0.125 → 0.0625 → 0.05
    controller.update(1.5);
    expect(probabilities(controller)).toEqual([1, 0.5, 0.05]);
    for (let tick = 0; tick < 10; tick += 1) controller.update(9);
    expect(probabilities(controller)).toEqual([1, 0.05, 0.05]);
    expect(controller.state).toBe('shedding'); // every sampled lane at its floor, pressure still high
  });

  it('holds between the marks and recovers the higher lane first once pressure falls', () => {
    const controller = new SamplingController(lanes, options);
    for (let tick = 0; tick < 12; tick += 1) controller.update(2);
    expect(probabilities(controller)).toEqual([1, 0.05, 0.05]);
    expect(controller.update(0.8)).toBeUndefined(); // between the marks: hold
    expect(controller.state).toBe('sampling'); // no longer shedding once pressure is below the mark
    for (let tick = 0; tick < 10; tick += 1) controller.update(0.2);
    expect(controller.probability('standard')).toBe(1);
    expect(controller.probability('basic')).toBe(0.05);
    for (let tick = 0; tick < 10; tick += 1) controller.update(0.2);
    expect(probabilities(controller)).toEqual([1, 1, 1]);
    expect(controller.state).toBe('normal');
    expect(controller.update(0.2)).toBeUndefined();
  });

  it('settles against a pipeline of fixed capacity: pressure ends below the mark, premium and standard whole', () => {
    // Offered load per lane (records/s) and what the pipeline keeps up with.
    const offered = { premium: 200, standard: 500, basic: 1_300 };
    const capacity = 1_000;
    const controller = new SamplingController(lanes, options);
    const pressure = () =>
      (offered.premium +
        offered.standard * controller.probability('standard') +
        offered.basic * controller.probability('basic')) /
      capacity;
    const history: number[] = [];
    for (let tick = 0; tick < 200; tick += 1) {
      controller.update(pressure());
      history.push(controller.probability('basic'));
    }
    expect(pressure()).toBeLessThan(1);
    expect(controller.probability('premium')).toBe(1);
    expect(controller.probability('standard')).toBe(1);
    // Settled: the last 100 ticks changed nothing.
    expect(new Set(history.slice(100)).size).toBe(1);
    expect(controller.probability('basic')).toBeGreaterThan(0.05);
  });

  it('pressure is the largest signal over its limit', () => {
    const limits = { lagSeconds: 30, eventToSinkSeconds: 2, sinkFill: 1 };
    expect(pressureOf({ lagSeconds: 15, eventToSinkSeconds: 3, sinkFill: 0.2 }, limits)).toBe(1.5);
    expect(pressureOf({ lagSeconds: 3, eventToSinkSeconds: 0.2, sinkFill: 0.05 }, limits)).toBeCloseTo(0.1);
  });

  it('refuses options that cannot work', () => {
    expect(() => new SamplingController(lanes, { ...options, minProbability: 0 })).toThrow(/minProbability/);
    expect(() => new SamplingController(lanes, { ...options, lowPressure: 1 })).toThrow(/lowPressure/);
    expect(() => new SamplingController(lanes, { ...options, decreaseFactor: 1 })).toThrow(/decreaseFactor/);
  });
});
