import type { ProcessorContext } from '../../processors/api/processor';
import type { StreamRecord } from '../../processors/api/record';
import { TopologyTestDriver } from '../testing/topology-test-driver';
import { defineTopology } from './define-topology';

type Play = { contentId: string; type: string; tier: string };
const play = (contentId: string, type = 'start', tier = 'standard'): Play => ({ contentId, type, tier });
const values = <V>(records: StreamRecord<unknown, V>[]) => records.map((record) => record.value);
const keys = (records: StreamRecord[]) => records.map((record) => record.key);

describe('stateless operators (TopologyTestDriver)', () => {
  it('filter and filterNot keep and drop by predicate', () => {
    const topology = defineTopology('t', (b) => {
      const plays = b.stream<string, Play>('in');
      plays.filter((p) => p.type === 'start').to('starts');
      plays.filterNot((p) => p.type === 'start').to('others');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs('in', [
      { key: 's1', value: play('a') },
      { key: 's2', value: play('a', 'heartbeat') },
    ]);
    expect(keys(driver.readOutput('starts'))).toEqual(['s1']);
    expect(keys(driver.readOutput('others'))).toEqual(['s2']);
  });

  it('map, mapValues and selectKey rewrite keys and values, keeping the timestamp', () => {
    const topology = defineTopology('t', (b) => {
      const plays = b.stream<string, Play>('in');
      plays.map((p, session) => ({ key: p.contentId, value: `${session}:${p.type}` })).to('mapped');
      plays.mapValues((p) => p.tier.toUpperCase()).to('tiers');
      plays.selectKey((p) => p.contentId).to('rekeyed');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('in', { key: 's1', value: play('a', 'stop', 'premium'), timestamp: 42 });
    expect(driver.readOutput('mapped').map((r) => [r.key, r.value, r.timestamp])).toEqual([['a', 's1:stop', 42]]);
    expect(driver.readOutput('tiers').map((r) => [r.key, r.value])).toEqual([['s1', 'PREMIUM']]);
    expect(driver.readOutput('rekeyed').map((r) => [r.key, (r.value as Play).type])).toEqual([['a', 'stop']]);
  });

  it('flatMap and flatMapValues emit zero or more records', () => {
    const topology = defineTopology('t', (b) => {
      const lines = b.stream<string, string>('in');
      lines
        .flatMap((line) =>
          line
            .split(' ')
            .filter(Boolean)
            .map((word) => ({ key: word, value: 1 })),
        )
        .to('words');
      lines.flatMapValues((line) => line.split(',')).to('parts');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs('in', [
      { key: 'k', value: 'a b' },
      { key: 'k', value: '' },
    ]);
    expect(keys(driver.readOutput('words'))).toEqual(['a', 'b']);
    expect(values(driver.readOutput<string, string>('parts'))).toEqual(['a b', '']);
  });

  it('peek sees every record and forwards it unchanged', () => {
    const seen: string[] = [];
    const topology = defineTopology('t', (b) => {
      b.stream<string, string>('in')
        .peek((value, key) => seen.push(`${key}=${value}`))
        .to('out');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('in', { key: 'k', value: 'v' });
    expect(seen).toEqual(['k=v']);
    expect(values(driver.readOutput('out'))).toEqual(['v']);
  });

  it('split routes to the first matching branch, the rest to the default branch', () => {
    const topology = defineTopology('t', (b) => {
      const lanes = b
        .stream<string, Play>('in')
        .split(
          { premium: (p) => p.tier === 'premium', standard: (p) => p.tier !== 'basic' },
          { defaultBranch: 'basic' },
        );
      lanes.premium.to('premium');
      lanes.standard.to('standard');
      lanes.basic.to('basic');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs('in', [
      { key: 's1', value: play('a', 'start', 'premium') },
      { key: 's2', value: play('a', 'start', 'standard') },
      { key: 's3', value: play('a', 'start', 'basic') },
    ]);
    expect(keys(driver.readOutput('premium'))).toEqual(['s1']);
    expect(keys(driver.readOutput('standard'))).toEqual(['s2']);
    expect(keys(driver.readOutput('basic'))).toEqual(['s3']);
  });

  it('split without a default branch counts unmatched records as dropped, never silently', () => {
    const topology = defineTopology('t', (b) => {
      b.stream<string, Play>('in')
        .split({ premium: (p) => p.tier === 'premium' })
        .premium.to('premium');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('in', { key: 's1', value: play('a') });
    expect(driver.readOutput('premium')).toEqual([]);
    expect(driver.metrics.dropped).toEqual(new Map([['split-0001', new Map([['matched no branch', 1]])]]));
  });

  it('merge combines two streams', () => {
    const topology = defineTopology('t', (b) => {
      b.stream<string, string>('left').merge(b.stream<string, string>('right')).to('out');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('left', { key: 'l', value: '1' });
    driver.pipeInput('right', { key: 'r', value: '2' });
    expect(keys(driver.readOutput('out'))).toEqual(['l', 'r']);
  });

  it('reads several topics as one stream (tier lanes)', () => {
    const topology = defineTopology('t', (b) => {
      b.stream<string, string>(['lane.premium', 'lane.basic']).to('out');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('lane.basic', { key: 'b', value: 'x' });
    driver.pipeInput('lane.premium', { key: 'p', value: 'y' });
    expect(keys(driver.readOutput('out'))).toEqual(['b', 'p']);
  });

  it('takes event time from the record through the timestamp extractor', () => {
    const topology = defineTopology('t', (b) => {
      b.stream<string, { at: number }>('in', { timestamp: (v) => v.at }).to('out');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('in', { key: 'k', value: { at: 1234 }, timestamp: 999_999 });
    expect(driver.readOutput('out')[0]?.timestamp).toBe(1234);
    expect(driver.streamTime).toBe(1234);
  });

  it('sends records to sink adapters in one batch per fetched batch', () => {
    const topology = defineTopology('t', (b) => {
      b.stream<string, number>('in').to({ type: 'recording', name: 'rows' });
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs('in', [
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    driver.pipeInputs('in', [{ key: 'c', value: 3 }]);
    expect(driver.sinkBatches('rows').map((batch) => values(batch))).toEqual([[1, 2], [3]]);
  });
});

describe('errors while processing', () => {
  const failing = () =>
    defineTopology('t', (b) => {
      b.stream<string, number>('in')
        .mapValues((n) => {
          if (n < 0) throw new Error(`negative amount ${n}`);
          return n * 2;
        })
        .to('out');
    });

  it('CONTINUE: the failing record goes to the DLQ naming node and error; the next one is processed', () => {
    const driver = new TopologyTestDriver(failing());
    driver.pipeInputs('in', [
      { key: 'a', value: -1 },
      { key: 'b', value: 2 },
    ]);
    expect(values(driver.readOutput('out'))).toEqual([4]);
    expect(driver.deadLetters()).toHaveLength(1);
    expect(driver.deadLetters()[0]).toMatchObject({
      kind: 'error',
      node: 'map-values-0001',
      reason: expect.stringContaining('negative amount -1'),
      record: { key: 'a', source: { topic: 'in', partition: 0, offset: '0' } },
    });
    expect(driver.metrics.deadLettered).toBe(1);
  });

  it('FAIL: the error stops processing, naming the node', () => {
    const driver = new TopologyTestDriver(failing(), { errorPolicy: 'fail' });
    expect(() => driver.pipeInput('in', { key: 'a', value: -1 })).toThrow(
      /processor "map-values-0001" failed: negative amount -1/,
    );
  });

  it('an event time that is not a number goes to the DLQ', () => {
    const topology = defineTopology('t', (b) => {
      b.stream<string, { at?: number }>('in', { timestamp: (v) => v.at as number }).to('out');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('in', { key: 'k', value: {} });
    expect(driver.deadLetters()[0]?.reason).toMatch(/invalid event time/);
  });
});

describe('the Processor API with punctuators', () => {
  it('fires stream-time punctuators as event time advances, wall-clock ones as the clock does', () => {
    const fired: string[] = [];
    const topology = defineTopology('t', (b) => {
      const store = b.addStore('seen');
      b.stream<string, string>('in')
        .process<string, number>(
          () => {
            let context: ProcessorContext<string, number>;
            return {
              init(ctx) {
                context = ctx;
                ctx.schedule(1_000, 'stream-time', (time) => fired.push(`stream@${time}`));
                ctx.schedule(5_000, 'wall-clock', (time) => {
                  fired.push(`wall@${time}`);
                  const seen =
                    ctx.getStateStore<import('../../processors/api/stores').KeyValueStore<string, number>>(store);
                  for (const [key, count] of seen.entries()) context.forward({ key, value: count, timestamp: time });
                });
              },
              process(record) {
                const seen =
                  context.getStateStore<import('../../processors/api/stores').KeyValueStore<string, number>>(store);
                seen.put(record.key, (seen.get(record.key) ?? 0) + 1);
              },
            };
          },
          { stores: [store] },
        )
        .to('out');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('in', { key: 'a', value: 'x', timestamp: 100 });
    driver.pipeInput('in', { key: 'a', value: 'x', timestamp: 600 });
    driver.pipeInput('in', { key: 'b', value: 'x', timestamp: 1_100 });
    driver.pipeInput('in', { key: 'b', value: 'x', timestamp: 900 }); // out of order: no punctuation
    driver.pipeInput('in', { key: 'b', value: 'x', timestamp: 3_500 });
    expect(fired).toEqual(['stream@100', 'stream@1100', 'stream@3500']);
    driver.advanceWallClockTime(4_999);
    expect(fired).toHaveLength(3);
    driver.advanceWallClockTime(1);
    expect(fired[3]).toBe('wall@5000');
    expect(driver.readOutput('out').map((r) => [r.key, r.value])).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
  });

  it('refuses a store the processor did not declare', () => {
    const topology = defineTopology('t', (b) => {
      b.addStore('private');
      b.stream<string, string>('in')
        .process(() => ({
          init: (ctx) => void ctx.getStateStore('private'),
          process: () => undefined,
        }))
        .to('out');
    });
    expect(() => new TopologyTestDriver(topology)).toThrow(/did not declare store "private"/);
  });
});
