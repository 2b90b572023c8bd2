import { tumbling } from '../../processors/windows';
import { defineTopology } from '../dsl/define-topology';
import { TopologyTestDriver } from './topology-test-driver';

describe('TopologyTestDriver', () => {
  const topology = defineTopology('app', (b) => {
    b.stream<string, { contentId: string; at: number }>('plays', { timestamp: (p) => p.at })
      .groupBy((p) => p.contentId)
      .windowedBy(tumbling('1m'))
      .count({ store: 'per-minute', emit: { updates: false, final: true } })
      .to('counts');
  });

  it('commit flushes caches and collects one changelog entry per dirty key', () => {
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs('plays', [
      { key: 's1', value: { contentId: 'a', at: 1_000 } },
      { key: 's2', value: { contentId: 'a', at: 2_000 } },
      { key: 's3', value: { contentId: 'b', at: 3_000 } },
    ]);
    expect(driver.changelog('per-minute')).toEqual([]);
    driver.commit();
    expect(driver.changelog('per-minute').map((entry) => [entry.key, entry.value])).toEqual([
      [{ key: 'a', start: 0 }, 2],
      [{ key: 'b', start: 0 }, 1],
    ]);
  });

  it('refuses input for a topic the topology does not read, naming the ones it does', () => {
    const driver = new TopologyTestDriver(topology);
    expect(() => driver.pipeInput('nope', { key: 'k', value: 1 })).toThrow(/reads no topic "nope" \(it reads plays\)/);
  });

  it('is deterministic: the same input gives the same output', () => {
    const run = () => {
      const driver = new TopologyTestDriver(topology);
      for (let i = 0; i < 500; i += 1) {
        driver.pipeInput('plays', { key: `s${i}`, value: { contentId: `c${i % 7}`, at: (i * 997) % 300_000 } });
      }
      return driver.readOutput('counts').map((r) => [r.key, r.value]);
    };
    expect(run()).toEqual(run());
  });

  it("a replay's event-time range: records outside it are dropped without moving stream time", () => {
    const driver = new TopologyTestDriver(topology, { eventTimeRange: { fromMs: 60_000, toMs: 180_000 } });
    driver.pipeInputs('plays', [
      { key: 's1', value: { contentId: 'a', at: 59_999 } }, // before the range: not counted
      { key: 's2', value: { contentId: 'a', at: 60_000 } },
      { key: 's3', value: { contentId: 'a', at: 900_000 } }, // after it: not counted, and closes nothing
      { key: 's4', value: { contentId: 'a', at: 119_999 } }, // so this one is not late
      { key: 's5', value: { contentId: 'a', at: 125_000 } }, // in range: closes [60 s, 120 s)
    ]);
    driver.commit();
    expect(driver.readOutput('counts').map((r) => [r.key, r.value])).toEqual([
      [
        { key: 'a', start: 60_000, end: 120_000 },
        { aggregate: 2, emit: 'final' },
      ],
    ]);
    expect(driver.deadLetters()).toEqual([]);
  });
});
