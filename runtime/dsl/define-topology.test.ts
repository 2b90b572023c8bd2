import { defineTopology } from './define-topology';

describe('defineTopology options', () => {
  const declare = (b: Parameters<Parameters<typeof defineTopology>[1]>[0]) => {
    b.stream('in').to('out');
  };

  it('keeps a commit interval of its own, in milliseconds, and the service class', () => {
    const topology = defineTopology('fast', declare, { service: 'priority', commitInterval: '20ms' });
    expect(topology.commitIntervalMs).toBe(20);
    expect(topology.service).toBe('priority');
    expect(defineTopology('plain', declare).commitIntervalMs).toBeUndefined();
  });

  it('refuses a commit interval below 1 ms, naming the topology', () => {
    expect(() => defineTopology('fast', declare, { commitInterval: 0 })).toThrow(
      /topology "fast" is invalid:\n {2}- commitInterval must be at least 1 ms, not 0/,
    );
    expect(() => defineTopology('fast', declare, { commitInterval: '1 minute' as '1m' })).toThrow(
      'commitInterval "1 minute" is not a duration',
    );
  });
});
