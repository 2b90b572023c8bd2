import fc from 'fast-check';
import { defineTopology } from '../../runtime/dsl';
import { TopologyTestDriver, type TestRecord } from '../../runtime/testing/topology-test-driver';
import { contentMetadata } from '../../schemas/testing/content-metadata';
import type { ContentMetadata } from '../../schemas/types.generated';
import catalogSync from '../../topologies/catalog-sync';
import { catalogState, compareCatalogStates, resolveCatalogUpdate, type CatalogState } from './catalog-rules';
import type { CatalogChange } from './catalog-sync';
import { catalogTableOptions } from './catalog-table';
import { catalogUpdateOf } from './catalog-validation';

// For any order, duplication and tombstone placement of a set of catalog updates, every
// materialization — the rule's fold, catalog-sync's store and Redis writes, a global table with
// catalogTableOptions — equals the reference: the greatest update per content id. A replay of the
// same records changes nothing.

const metadata = (contentId: string, version: number, title: string, updatedAtMs: number): ContentMetadata =>
  contentMetadata({ contentId, version, title, genres: [], updatedAtMs });

type Input = TestRecord<string, ContentMetadata | null>;

const record = fc
  .record({
    contentId: fc.constantFrom('c1', 'c2', 'c3'),
    version: fc.integer({ min: 0, max: 4 }),
    deleted: fc.boolean(),
    title: fc.constantFrom('A', 'B', 'C'),
    updatedAtMs: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ contentId, version, deleted, title, updatedAtMs }): Input =>
    deleted
      ? { key: contentId, value: null, headers: { version: String(version) }, timestamp: updatedAtMs }
      : { key: contentId, value: metadata(contentId, version, title, updatedAtMs), timestamp: updatedAtMs },
  );

/** A set of updates, then an arrival order with duplicates (every update arrives at least once). */
const arrivals = fc.array(record, { minLength: 1, maxLength: 25 }).chain((updates) =>
  fc.array(fc.integer({ min: 0, max: updates.length - 1 }), { maxLength: 10 }).chain((duplicates) =>
    fc.shuffledSubarray([...updates, ...duplicates.map((i) => updates[i] as Input)], {
      minLength: updates.length + duplicates.length,
    }),
  ),
);

const stateOf = (input: Input): CatalogState =>
  catalogState(catalogUpdateOf(input.key, input.value, input.headers, input.timestamp ?? 0));

/** The reference: per content id, the greatest update of the total order. */
function reference(inputs: readonly Input[]): Map<string, CatalogState> {
  const best = new Map<string, CatalogState>();
  for (const input of inputs) {
    const state = stateOf(input);
    const held = best.get(state.contentId);
    if (!held || compareCatalogStates(state, held) > 0) best.set(state.contentId, state);
  }
  return best;
}

const visible = (states: Map<string, CatalogState>) =>
  new Map([...states].filter(([, state]) => !state.deleted).map(([id, state]) => [id, state.metadata]));

describe('catalog version rules', () => {
  it('the fold equals the reference for any order and duplication, and a replay changes nothing', () => {
    fc.assert(
      fc.property(arrivals, (inputs) => {
        const fold = (sequence: readonly Input[], start = new Map<string, CatalogState>()) => {
          for (const input of sequence) {
            const update = stateOf(input);
            start.set(update.contentId, resolveCatalogUpdate(start.get(update.contentId), update).next);
          }
          return start;
        };
        const once = fold(inputs);
        expect(once).toEqual(reference(inputs));
        expect(fold(inputs, new Map(once))).toEqual(once);
      }),
    );
  });

  it('catalog-sync (store and Redis writes) and a catalog global table equal the reference', () => {
    const enrich = defineTopology('enrich', (b) => {
      b.globalTable<string, ContentMetadata>('catalog.content', { store: 'catalog', ...catalogTableOptions });
    });
    fc.assert(
      fc.property(arrivals, (inputs) => {
        const expected = reference(inputs);
        const sync = new TopologyTestDriver(catalogSync);
        const table = new TopologyTestDriver(enrich);
        for (const replay of [1, 2]) {
          sync.pipeInputs('catalog.content', inputs);
          table.pipeInputs('catalog.content', inputs);
          const store = sync.store('catalog-current');
          expect(new Map([...expected.keys()].map((id) => [id, store.get(id)]))).toEqual(expected);
          const redis = new Map<string, CatalogChange>();
          for (const change of sync.sinkRecords<string, CatalogChange>('catalog')) redis.set(change.key, change.value);
          expect(new Map([...redis].filter(([, c]) => !c.deleted).map(([id, c]) => [id, c.metadata]))).toEqual(
            visible(expected),
          );
          const held = table.store('catalog');
          expect(new Map([...expected.keys()].flatMap((id) => (held.get(id) ? [[id, held.get(id)]] : [])))).toEqual(
            visible(expected),
          );
          expect(sync.deadLetters()).toEqual([]);
          void replay;
        }
      }),
    );
  });

  it('sends corrupt records to the DLQ with their reason, and counts stale ones', () => {
    const driver = new TopologyTestDriver(catalogSync);
    driver.pipeInputs<string, ContentMetadata | null>('catalog.content', [
      { key: 'c1', value: metadata('c1', 5_000, 'Five thousand', 1) },
      { key: 'c1', value: metadata('c1', 4_990, 'Reordered', 1) }, // stale, within the bound
      { key: 'c1', value: metadata('c1', 3, 'Way back', 1) }, // past the bound: corruption
      { key: 'c2', value: metadata('c9', 1, 'Wrong key', 1) },
      { key: 'c3', value: metadata('c3', 1, '  ', 1) },
      { key: 'c4', value: null }, // a delete without its version
      {
        key: 'c5',
        value: { ...metadata('c5', 1, 'Five', 1), availability: [{ region: 'eu', startMs: 10, endMs: 5 }] },
      },
    ]);
    expect(driver.deadLetters().map((letter) => letter.reason.match(/\(([a-z-]+)\)/)?.[1])).toEqual([
      'version-regression',
      'key-mismatch',
      'missing-title',
      'tombstone-without-version',
      'invalid-availability',
    ]);
    expect(Object.fromEntries([...(driver.metrics.dropped.get('catalog-sync') ?? new Map())])).toEqual({ stale: 1 });
    expect(driver.sinkRecords('catalog')).toHaveLength(1);
  });
});
