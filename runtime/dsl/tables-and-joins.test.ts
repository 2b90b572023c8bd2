import { TopologyTestDriver } from '../testing/topology-test-driver';
import { defineTopology } from './define-topology';

type Content = { title: string; version: number };
type Play = { contentId: string; viewer: string };

describe('tables', () => {
  it('keeps the latest value per key; a tombstone deletes', () => {
    const topology = defineTopology('catalog', (b) => {
      b.table<string, Content>('catalog', { store: 'catalog-store' }).toStream().to('changes');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs<string, Content | null>('catalog', [
      { key: 'c1', value: { title: 'One', version: 1 } },
      { key: 'c1', value: { title: 'One (HD)', version: 2 } },
      { key: 'c2', value: { title: 'Two', version: 1 } },
      { key: 'c2', value: null },
      { key: 'c3', value: null }, // deleting what is not there changes nothing
    ]);
    expect(driver.store('catalog-store').get('c1')).toEqual({ title: 'One (HD)', version: 2 });
    expect(driver.store('catalog-store').get('c2')).toBeUndefined();
    expect(driver.readOutput('changes').map((r) => [r.key, r.value])).toEqual([
      ['c1', { title: 'One', version: 1 }],
      ['c1', { title: 'One (HD)', version: 2 }],
      ['c2', { title: 'Two', version: 1 }],
      ['c2', null],
    ]);
  });

  it('with versions, a tombstone older than the stored value is dropped, and an update older than a delete stays deleted', () => {
    const topology = defineTopology('catalog', (b) => {
      b.table<string, Content>('catalog', { store: 'catalog-store', version: (content) => content.version })
        .toStream()
        .to('changes');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs<string, Content | null>('catalog', [
      { key: 'c1', value: { title: 'One', version: 5 } },
      { key: 'c1', value: null, headers: { version: '4' } }, // a stale delete
      { key: 'c2', value: { title: 'Two', version: 1 } },
      { key: 'c2', value: null, headers: { version: '3' } },
      { key: 'c2', value: { title: 'Two (late)', version: 2 } }, // older than the delete
      { key: 'c3', value: { title: 'Three', version: 1 } },
      { key: 'c3', value: null, headers: { version: '1' } },
      { key: 'c3', value: { title: 'Three again', version: 2 } }, // newer than the delete: back
    ]);
    const store = driver.store('catalog-store');
    expect(store.get('c1')).toEqual({ title: 'One', version: 5 });
    expect(store.get('c2')).toBeUndefined();
    expect(store.get('c3')).toEqual({ title: 'Three again', version: 2 });
    expect(Object.fromEntries([...([...driver.metrics.dropped.values()][0] ?? new Map())])).toEqual({
      'stale delete: older than the stored value': 1,
      'stale update: not newer than the delete': 1,
    });
  });

  it('with a version guard, a stale update is dropped and counted', () => {
    const topology = defineTopology('catalog', (b) => {
      b.table<string, Content>('catalog', { store: 'catalog-store', isNewer: (a, b2) => a.version > b2.version })
        .toStream()
        .to('changes');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs('catalog', [
      { key: 'c1', value: { title: 'v3', version: 3 } },
      { key: 'c1', value: { title: 'v2', version: 2 } },
    ]);
    expect(driver.store('catalog-store').get('c1')).toEqual({ title: 'v3', version: 3 });
    expect([...driver.metrics.dropped.values()].flatMap((reasons) => [...reasons.values()])).toEqual([1]);
    expect(driver.readOutput('changes')).toHaveLength(1);
  });
});

describe('stream–table joins', () => {
  const joined = (kind: 'join' | 'leftJoin') =>
    defineTopology('enrich', (b) => {
      const titles = b.table<string, Content>('catalog');
      const plays = b.stream<string, Play>('plays-by-content');
      const enriched =
        kind === 'join'
          ? plays.join(titles, (play, content) => `${play.viewer} watches ${content.title}`)
          : plays.leftJoin(titles, (play, content) => `${play.viewer} watches ${content?.title ?? '(unknown)'}`);
      enriched.to('enriched');
    });

  it('inner join: matches only, with the table value at the time of the stream record', () => {
    const driver = new TopologyTestDriver(joined('join'));
    driver.pipeInput('plays-by-content', { key: 'c1', value: { contentId: 'c1', viewer: 'ann' } }); // no table row yet
    driver.pipeInput('catalog', { key: 'c1', value: { title: 'One', version: 1 } });
    driver.pipeInput('plays-by-content', { key: 'c1', value: { contentId: 'c1', viewer: 'bob' } });
    driver.pipeInput('catalog', { key: 'c1', value: null }); // tombstone
    driver.pipeInput('plays-by-content', { key: 'c1', value: { contentId: 'c1', viewer: 'cy' } });
    expect(driver.readOutput('enriched').map((r) => r.value)).toEqual(['bob watches One']);
  });

  it('left join: every stream record, with null while the table has no row (or after a tombstone)', () => {
    const driver = new TopologyTestDriver(joined('leftJoin'));
    driver.pipeInput('plays-by-content', { key: 'c1', value: { contentId: 'c1', viewer: 'ann' } });
    driver.pipeInput('catalog', { key: 'c1', value: { title: 'One', version: 1 } });
    driver.pipeInput('plays-by-content', { key: 'c1', value: { contentId: 'c1', viewer: 'bob' } });
    driver.pipeInput('catalog', { key: 'c1', value: null });
    driver.pipeInput('plays-by-content', { key: 'c1', value: { contentId: 'c1', viewer: 'cy' } });
    expect(driver.readOutput('enriched').map((r) => r.value)).toEqual([
      'ann watches (unknown)',
      'bob watches One',
      'cy watches (unknown)',
    ]);
  });

  it('a global table joins on a key taken from the record (no co-partitioning needed)', () => {
    const topology = defineTopology('enrich', (b) => {
      const catalog = b.globalTable<string, Content>('catalog', { store: 'catalog-global' });
      const plays = b.stream<string, Play>('plays'); // keyed by session
      plays
        .join(
          catalog,
          (play) => play.contentId,
          (play, content) => `${play.viewer}:${content.title}`,
        )
        .to('inner');
      plays
        .leftJoin(
          catalog,
          (play) => play.contentId,
          (play, content) => `${play.viewer}:${content?.title ?? '-'}`,
        )
        .to('left');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('catalog', { key: 'c1', value: { title: 'One', version: 1 } });
    driver.pipeInput('plays', { key: 'session-1', value: { contentId: 'c1', viewer: 'ann' } });
    driver.pipeInput('plays', { key: 'session-2', value: { contentId: 'c9', viewer: 'bob' } });
    driver.pipeInput('catalog', { key: 'c1', value: null });
    driver.pipeInput('plays', { key: 'session-3', value: { contentId: 'c1', viewer: 'cy' } });
    expect(driver.readOutput('inner').map((r) => [r.key, r.value])).toEqual([['session-1', 'ann:One']]);
    expect(driver.readOutput('left').map((r) => r.value)).toEqual(['ann:One', 'bob:-', 'cy:-']);
    expect(driver.store('catalog-global').size).toBe(0);
  });

  it('joins after a repartition when the stream was re-keyed', () => {
    const topology = defineTopology('enrich', (b) => {
      const titles = b.table<string, Content>('catalog');
      b.stream<string, Play>('plays')
        .selectKey((play) => play.contentId)
        .repartition()
        .join(titles, (play, content) => `${play.viewer}:${content.title}`)
        .to('out');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('catalog', { key: 'c1', value: { title: 'One', version: 1 } });
    driver.pipeInput('plays', { key: 'session-1', value: { contentId: 'c1', viewer: 'ann' } });
    expect(driver.readOutput('out').map((r) => [r.key, r.value])).toEqual([['c1', 'ann:One']]);
  });
});

describe('table–table joins', () => {
  type Rights = { regions: string[] };
  const topology = (kind: 'join' | 'leftJoin') =>
    defineTopology('rights', (b) => {
      const content = b.table<string, Content>('catalog');
      const rights = b.table<string, Rights>('rights');
      const joinedTable =
        kind === 'join'
          ? content.join(rights, (c, r) => `${c.title} in ${r.regions.join('+')}`)
          : content.leftJoin(rights, (c, r) => `${c.title} in ${r ? r.regions.join('+') : 'nowhere'}`);
      joinedTable.toStream().to('out');
    });

  it('inner: updates on either side emit the joined value; losing a side withdraws it (null)', () => {
    const driver = new TopologyTestDriver(topology('join'));
    driver.pipeInput('catalog', { key: 'c1', value: { title: 'One', version: 1 } }); // no partner: nothing
    driver.pipeInput('rights', { key: 'c1', value: { regions: ['eu'] } });
    driver.pipeInput('catalog', { key: 'c1', value: { title: 'One!', version: 2 } });
    driver.pipeInput('rights', { key: 'c1', value: null }); // tombstone on the right
    driver.pipeInput('rights', { key: 'c2', value: { regions: ['us'] } }); // no left row: nothing
    expect(driver.readOutput('out').map((r) => r.value)).toEqual(['One in eu', 'One! in eu', null]);
  });

  it('left: a left row without a partner joins with null; a left tombstone deletes the row', () => {
    const driver = new TopologyTestDriver(topology('leftJoin'));
    driver.pipeInput('catalog', { key: 'c1', value: { title: 'One', version: 1 } });
    driver.pipeInput('rights', { key: 'c1', value: { regions: ['eu', 'us'] } });
    driver.pipeInput('rights', { key: 'c1', value: null });
    driver.pipeInput('catalog', { key: 'c1', value: null });
    expect(driver.readOutput('out').map((r) => r.value)).toEqual([
      'One in nowhere',
      'One in eu+us',
      'One in nowhere',
      null,
    ]);
  });
});

describe('non-windowed aggregation', () => {
  it('count, reduce and aggregate keep a table per key and stream each update', () => {
    const topology = defineTopology('totals', (b) => {
      const plays = b.stream<string, { contentId: string; ms: number }>('plays');
      const byContent = plays.groupBy((p) => p.contentId);
      byContent.count({ store: 'plays-per-content' }).toStream().to('counts');
      plays
        .mapValues((p) => p.ms)
        .groupByKey()
        .reduce((total, ms) => total + ms, { store: 'ms-per-session' })
        .toStream()
        .to('sums');
      byContent
        .aggregate(
          () => [] as string[],
          (_key, _play, sessions) => sessions,
          { store: 'unused-aggregate' },
        )
        .toStream()
        .to('aggregates');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs('plays', [
      { key: 's1', value: { contentId: 'a', ms: 100 } },
      { key: 's1', value: { contentId: 'a', ms: 50 } },
      { key: 's2', value: { contentId: 'b', ms: 10 } },
    ]);
    expect(driver.readOutput('counts').map((r) => [r.key, r.value])).toEqual([
      ['a', 1],
      ['a', 2],
      ['b', 1],
    ]);
    expect(driver.readOutput('sums').map((r) => [r.key, r.value])).toEqual([
      ['s1', 100],
      ['s1', 150],
      ['s2', 10],
    ]);
    expect(driver.store('plays-per-content').get('a')).toBe(2);
    expect(driver.readOutput('aggregates')).toHaveLength(3);
  });

  it('a null key cannot be aggregated: counted as dropped', () => {
    const topology = defineTopology('t', (b) => {
      b.stream<string | null, number>('in').groupByKey().count({ store: 'c' }).toStream().to('out');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInput('in', { key: null, value: 1 });
    expect(driver.readOutput('out')).toEqual([]);
    expect(driver.metrics.dropped).toEqual(
      new Map([['aggregate-0001', new Map([['null key cannot be aggregated', 1]])]]),
    );
  });
});
