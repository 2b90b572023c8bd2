import { pressureOf, SamplingController, type SampledLane } from './sampling-controller';

const lanes: SampledLane[] = [
  { lane: 'premium', priority: 2, sampled: false },
  { lane: 'standard', priority: 1, sampled: true },
  { lane: 'basic', priority: 0, sampled: true },
];
const options = {
  highPressure: 1,
  lowPressure: 0.6,
  decreaseFactor: 0.5,
  increaseStep: 0.1,
  minProbability: 0.05,
  shedStep: 0.1,
};
const policy = [
  { lane: 'basic', maxShedShare: 0.5 },
  { lane: 'standard', maxShedShare: 0.2 },
];
const keeps = (controller: SamplingController) => lanes.map(({ lane }) => controller.ratesOf(lane).keep);
const probabilities = (controller: SamplingController) => lanes.map(({ lane }) => controller.probability(lane));

describe('SamplingController', () => {
  it('samples the lowest lane first, down to its floor, before the next; never premium', () => {
    const controller = new SamplingController(lanes, options);
    expect(controller.state).toBe('normal');
    expect(controller.update(1.5)).toEqual({ lane: 'basic', rate: 'sample', from: 1, to: 0.5 });
    expect(controller.state).toBe('sampling');
    for (let tick = 0; tick < 4; tick += 1) controller.update(1.5);
    expect(probabilities(controller)).toEqual([1, 1, 0.05]); // 0.5 → 0.25 → 0.125 → 0.0625 → 0.05
    controller.update(1.5);
    expect(probabilities(controller)).toEqual([1, 0.5, 0.05]);
    for (let tick = 0; tick < 10; tick += 1) controller.update(9);
    expect(probabilities(controller)).toEqual([1, 0.05, 0.05]);
    expect(controller.state).toBe('sampling'); // no shedding policy: sampling at its floor is as far as it goes
    expect(controller.update(9)).toBeUndefined();
  });

  it('sheds by its policy once sampling is at its floor: the first lane up to its share, then the next; never premium', () => {
    const controller = new SamplingController(lanes, options, policy);
    for (let tick = 0; tick < 10; tick += 1) controller.update(2);
    expect(probabilities(controller)).toEqual([1, 0.05, 0.05]);
    expect(controller.state).toBe('sampling');
    expect(controller.update(2)).toEqual({ lane: 'basic', rate: 'keep', from: 1, to: 0.9 });
    expect(controller.state).toBe('shedding');
    for (let tick = 0; tick < 10; tick += 1) controller.update(2);
    expect(keeps(controller).map((q) => Number(q.toFixed(6)))).toEqual([1, 0.8, 0.5]);
    for (let tick = 0; tick < 10; tick += 1) controller.update(2);
    expect(keeps(controller).map((q) => Number(q.toFixed(6)))).toEqual([1, 0.8, 0.5]); // every share at its most
    expect(controller.ratesOf('premium')).toEqual({ sample: 1, keep: 1 });
    // Recovery undoes shedding first, the last-shed lane first, then sampling.
    expect(controller.update(0.1)).toMatchObject({ lane: 'standard', rate: 'keep' });
    for (let tick = 0; tick < 7; tick += 1) controller.update(0.1);
    expect(keeps(controller).every((q) => q === 1)).toBe(true);
    expect(controller.state).toBe('sampling');
    for (let tick = 0; tick < 30; tick += 1) controller.update(0.1);
    expect(controller.state).toBe('normal');
  });

  it('keeps p at or below q: a shed unit is never sampled in', () => {
    const controller = new SamplingController(lanes, { ...options, minProbability: 0.8 }, policy);
    for (let tick = 0; tick < 8; tick += 1) controller.update(2);
    const { sample, keep } = controller.ratesOf('basic');
    expect(keep).toBeLessThan(0.8);
    expect(sample).toBeLessThanOrEqual(keep);
  });

  it('refuses a policy that names premium or an unknown lane, or sheds everything', () => {
    expect(() => new SamplingController(lanes, options, [{ lane: 'premium', maxShedShare: 0.1 }])).toThrow(
      /never shed/,
    );
    expect(() => new SamplingController(lanes, options, [{ lane: 'gold', maxShedShare: 0.1 }])).toThrow(/not a lane/);
    expect(() => new SamplingController(lanes, options, [{ lane: 'basic', maxShedShare: 1 }])).toThrow(/maxShedShare/);
  });

  it('holds between the marks and recovers the higher lane first once pressure falls', () => {
    const controller = new SamplingController(lanes, options);
    for (let tick = 0; tick < 12; tick += 1) controller.update(2);
    expect(probabilities(controller)).toEqual([1, 0.05, 0.05]);
    expect(controller.update(0.8)).toBeUndefined(); // between the marks: hold
    expect(controller.state).toBe('sampling');
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
