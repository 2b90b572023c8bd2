import { DEFAULT_FLOW_CONTROL, pauseThresholds, topicsToPause, type FlowControlOptions } from './flow-control';

const options: FlowControlOptions = {
  highWaterRecords: 1_000,
  lowWaterRecords: 250,
  highWaterBytes: 1_000_000,
  lowWaterBytes: 250_000,
  laneSpread: 0.5,
};
const load = (records: number, bytes = 0) => ({ records, bytes });

describe('flow control', () => {
  const single = [{ topic: 'plays', priority: 0 }];

  it('pauses a single source at the high-water mark and resumes it below the low-water mark', () => {
    expect(topicsToPause(load(999), single, new Set(), options)).toEqual(new Set());
    expect(topicsToPause(load(1_000), single, new Set(), options)).toEqual(new Set(['plays']));
    // Between the marks it stays as it was (hysteresis).
    expect(topicsToPause(load(500), single, new Set(['plays']), options)).toEqual(new Set(['plays']));
    expect(topicsToPause(load(500), single, new Set(), options)).toEqual(new Set());
    expect(topicsToPause(load(249), single, new Set(['plays']), options)).toEqual(new Set());
  });

  it('counts bytes as well as records', () => {
    expect(topicsToPause(load(1, 1_000_000), single, new Set(), options)).toEqual(new Set(['plays']));
  });

  const lanes = [
    { topic: 'plays.premium', priority: 2 },
    { topic: 'plays.standard', priority: 1 },
    { topic: 'plays.free', priority: 0 },
  ];

  it('spreads lane thresholds so the lowest priority pauses first', () => {
    expect(pauseThresholds(lanes, options)).toEqual(
      new Map([
        ['plays.premium', 1],
        ['plays.standard', 0.75],
        ['plays.free', 0.5],
      ]),
    );
  });

  it('pauses lanes from the lowest priority up as load grows, and resumes them from the top down', () => {
    const rising = [400, 500, 800, 1_000].map((records) => [
      ...topicsToPause(load(records), lanes, new Set(), options),
    ]);
    expect(rising).toEqual([
      [],
      ['plays.free'],
      ['plays.standard', 'plays.free'],
      ['plays.premium', 'plays.standard', 'plays.free'],
    ]);
    const all = new Set(lanes.map((lane) => lane.topic));
    // Resume below a quarter of each lane's own threshold, and only once no higher lane is paused.
    expect(topicsToPause(load(150), lanes, all, options)).toEqual(new Set(['plays.standard', 'plays.free']));
    expect(topicsToPause(load(150), lanes, new Set(['plays.standard', 'plays.free']), options)).toEqual(
      new Set(['plays.free']),
    );
    expect(topicsToPause(load(100), lanes, new Set(['plays.free']), options)).toEqual(new Set());
  });

  it('keeps a low lane paused while a higher lane is paused, whatever the load', () => {
    expect(topicsToPause(load(0), lanes, new Set(['plays.premium', 'plays.free']), options)).toEqual(
      new Set(['plays.free']),
    );
  });

  it('has defaults with the low-water mark below the high-water mark', () => {
    expect(DEFAULT_FLOW_CONTROL.lowWaterRecords).toBeLessThan(DEFAULT_FLOW_CONTROL.highWaterRecords);
  });
});
