import { passThroughProcessor } from '../../processors/pass-through';
import { defineTopology } from '../dsl/define-topology';
import { TopologyBuilder } from './topology-builder';
import { buildTopology } from './build-topology';
import { TopologyError } from './topology-error';
import { tumbling } from '../../processors/windows';

const problemsOf = (build: () => unknown): readonly string[] => {
  try {
    build();
  } catch (error) {
    if (error instanceof TopologyError) return error.problems;
    throw error;
  }
  throw new Error('expected a TopologyError');
};

describe('build-time validation (each error names the node)', () => {
  it('rejects duplicate node names', () => {
    const problems = problemsOf(() =>
      defineTopology('t', (b) => {
        const s = b.stream<string, string>('in');
        s.filter(() => true, { name: 'valid' }).to('a');
        s.mapValues((v) => v, { name: 'valid' }).to('b');
      }),
    );
    expect(problems).toEqual(['node name "valid" is used by 2 nodes; names must be unique']);
  });

  it('rejects a processor that uses an undeclared store', () => {
    const problems = problemsOf(() =>
      defineTopology('t', (b) => {
        b.stream<string, string>('in')
          .process(passThroughProcessor(), { name: 'custom', stores: ['nope'] })
          .to('out');
      }),
    );
    expect(problems).toEqual(['processor "custom" uses store "nope", which no node declares']);
  });

  it('rejects a missing predecessor and a node without one', () => {
    const builder = new TopologyBuilder('t');
    builder.add({
      kind: 'processor',
      name: 'orphan',
      operator: 'filter',
      parents: ['ghost'],
      supplier: passThroughProcessor(),
      stores: [],
      changesKey: false,
    });
    builder.add({ kind: 'topic-sink', name: 'dangling', operator: 'topic-sink', parents: [], topic: 'x' });
    expect(problemsOf(() => buildTopology(builder))).toEqual([
      'node "orphan" has a predecessor "ghost" that does not exist',
      'node "dangling" has no predecessor',
    ]);
  });

  it('rejects a topic read by two sources, and a duplicate store name', () => {
    const problems = problemsOf(() =>
      defineTopology('t', (b) => {
        b.stream('in', { name: 'first' });
        b.stream('in', { name: 'second' });
        b.addStore('s');
        b.addStore('s');
      }),
    );
    expect(problems).toEqual([
      'store name "s" is declared 2 times',
      'topic "in" is read by both "first" and "second"; read it once and share the stream',
    ]);
  });

  it('rejects a join whose stream was re-keyed without a repartition', () => {
    const problems = problemsOf(() =>
      defineTopology('t', (b) => {
        const table = b.table<string, string>('catalog');
        b.stream<string, { contentId: string }>('plays')
          .selectKey((p) => p.contentId, { name: 'by-content' })
          .join(table, (p, title) => `${p.contentId}:${title}`, { name: 'enrich' })
          .to('out');
      }),
    );
    expect(problems).toEqual([
      'join "enrich": the stream\'s key was changed by "by-content", so it is not co-partitioned with the table; call .repartition() before the join, or join a global table',
    ]);
  });

  it('rejects joined inputs declared with different partition counts', () => {
    const problems = problemsOf(() =>
      defineTopology('t', (b) => {
        const table = b.table<string, string>('catalog', { partitions: 3, name: 'catalog-source' });
        b.stream<string, string>('plays', { partitions: 6, name: 'plays-source' })
          .join(table, (p, title) => `${p}:${title}`, { name: 'enrich' })
          .to('out');
      }),
    );
    expect(problems).toEqual([
      'join "enrich": inputs are not co-partitioned (plays-source: 6 partitions, catalog-source: 3 partitions)',
    ]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() =>
      defineTopology('t', (b) => {
        b.stream('in', { name: 'x' })
          .filter(() => true, { name: 'x' })
          .process(passThroughProcessor(), { stores: ['missing'] })
          .to('out');
      }),
    );
    expect(problems).toHaveLength(2);
  });
});

describe('the built topology', () => {
  const topology = defineTopology('app', (b) => {
    b.stream<string, { contentId: string }>('plays')
      .groupBy((p) => p.contentId, { name: 'by-content' })
      .windowedBy(tumbling('1m'))
      .count({ store: 'per-minute' })
      .to('counts');
  });

  it('derives names deterministically: repartition and changelog topics from node and store names', () => {
    expect(topology.internalTopics).toEqual(['app-by-content-repartition', 'app-per-minute-changelog']);
    expect([...topology.nodes.keys()]).toEqual([
      'source-0000',
      'select-key-0001',
      'by-content-sink',
      'by-content',
      'window-aggregate-0003',
      'sink-0004',
    ]);
    expect(topology.sourceTopics).toEqual(['plays']);
    expect(topology.sinkTopics).toEqual(['counts']);
  });

  it('splits sub-topologies at the repartition topic', () => {
    expect(topology.subtopologies.map((sub) => sub.sourceTopics)).toEqual([['plays'], ['app-by-content-repartition']]);
    expect(topology.subtopologies[1]?.stores).toEqual(['per-minute']);
  });

  it('is immutable', () => {
    const node = topology.nodes.get('source-0000') as unknown as { topics: string[] };
    expect(Object.isFrozen(topology)).toBe(true);
    expect(Object.isFrozen(node)).toBe(true);
    expect(() => node.topics.push('other')).toThrow(TypeError);
  });

  it('describes itself as text and as Mermaid, node for node', () => {
    const text = topology.describe();
    expect(text).toContain('Sub-topology: 0');
    expect(text).toContain('Source: source-0000 (topics: [plays])');
    expect(text).toContain('Sink: by-content-sink (topic: app-by-content-repartition)');
    const mermaid = topology.describe('mermaid');
    expect(mermaid.split('\n')[0]).toBe('flowchart TD');
    for (const name of topology.nodes.keys())
      expect(mermaid).toContain(`${name.replace(/[^A-Za-z0-9_]/g, '_')}["${name}<br/>`);
    expect(mermaid).toContain('topic_plays --> source_0000');
    expect(mermaid).toContain('store_per_minute[("per-minute")]');
    expect(JSON.parse(topology.describe('json')).internalTopics).toEqual(topology.internalTopics);
  });

  it('keeps a stream that joins a global table out of the global sub-topology', () => {
    const enriched = defineTopology('enrich', (b) => {
      const catalog = b.globalTable<string, string>('catalog', { store: 'catalog' });
      b.stream<string, { contentId: string }>('plays')
        .join(
          catalog,
          (p) => p.contentId,
          (p, title) => `${p.contentId}:${title}`,
        )
        .to('out');
    });
    expect(enriched.subtopologies.map((sub) => [sub.global, sub.sourceTopics, sub.stores])).toEqual([
      [true, ['catalog'], ['catalog']],
      [false, ['plays'], []],
    ]);
  });

  it('keeps lanes through a repartition: a topic per lane priority, read as lanes again downstream', () => {
    const laned = defineTopology('app', (b) => {
      b.stream<string, { contentId: string }>(['plays.premium', 'plays.basic', 'plays'], {
        lanes: { 'plays.premium': 2, 'plays.basic': 0, plays: 1 },
      })
        .groupBy((event) => event.contentId, { name: 'by-content' })
        .count({ store: 'counts' })
        .toStream()
        .to('out');
      // One priority only: the repartition keeps its single topic.
      b.stream<string, { contentId: string }>('other')
        .groupBy((event) => event.contentId, { name: 'other-by-content' })
        .count({ store: 'other-counts' })
        .toStream()
        .to('other-out');
    });
    const lanes = {
      'app-by-content-repartition': 0,
      'app-by-content-lane1-repartition': 1,
      'app-by-content-lane2-repartition': 2,
    };
    const sink = laned.nodes.get('by-content-sink');
    const source = laned.nodes.get('by-content');
    expect(sink?.lanes).toEqual(lanes);
    expect(sink?.topics).toEqual(Object.keys(lanes));
    expect(source?.lanes).toEqual(lanes);
    expect(source?.topics).toEqual(Object.keys(lanes));
    expect(laned.internalTopics).toEqual(expect.arrayContaining(Object.keys(lanes)));
    expect(laned.subtopologies.find((sub) => sub.nodes.includes('by-content'))?.sourceTopics).toEqual(
      Object.keys(lanes),
    );
    expect(laned.nodes.get('other-by-content-sink')?.topics).toEqual(['app-other-by-content-repartition']);
    expect(laned.nodes.get('other-by-content-sink')?.lanes).toBeUndefined();
    expect(laned.describe()).toContain(
      'Sink: by-content-sink (topic per lane: 0 → app-by-content-repartition, 1 → app-by-content-lane1-repartition, 2 → app-by-content-lane2-repartition)',
    );
  });
});
