import { buildStore } from './build-store';
import type { EntryChange, EntryKey, EntryLoggedValue } from '../../processors/api/entry-logged';
import type { KeyValueStore, WindowStore } from '../../processors/api/stores';

describe('decorated stores: metered(caching(changelogging(in-memory)))', () => {
  it('sends only the latest value of each dirty key to the changelog, at flush', () => {
    const built = buildStore({ name: 'counts', type: 'key-value', changelog: true, caching: true, global: false });
    const store = built.store as KeyValueStore<string, number>;
    for (let i = 1; i <= 1000; i += 1) store.put('a', i);
    store.put('b', 1);
    store.delete('b');
    expect(store.get('a')).toBe(1000);
    expect(built.changelogging?.drainChangelog()).toEqual([]); // nothing before the cache flushes
    built.caching?.flush();
    expect(built.changelogging?.drainChangelog()).toEqual([
      { store: 'counts', key: 'a', value: 1000 },
      { store: 'counts', key: 'b', value: null },
    ]);
    expect(built.changelogging?.drainChangelog()).toEqual([]);
    expect(built.metered.metrics).toMatchObject({ puts: 1001, deletes: 1, gets: 1 });
  });

  it('reads its own unflushed writes, sizes and iterates through the cache', () => {
    const built = buildStore({ name: 's', type: 'key-value', changelog: true, caching: true, global: false });
    const store = built.store as KeyValueStore<string, number>;
    store.put('a', 1);
    built.caching?.flush();
    store.put('b', 2);
    store.delete('a');
    expect(store.size).toBe(1);
    expect([...store.entries()]).toEqual([['b', 2]]);
  });

  it('restores from changelog entries without logging them again', () => {
    const built = buildStore({ name: 's', type: 'key-value', changelog: true, caching: false, global: false });
    built.changelogging?.restore('a', 5);
    built.changelogging?.restore('b', 1);
    built.changelogging?.restore('b', null);
    expect((built.store as KeyValueStore<string, number>).get('a')).toBe(5);
    expect(built.store as KeyValueStore<string, number>).toHaveProperty('size', 1);
    expect(built.changelogging?.drainChangelog()).toEqual([]);
  });

  it('window stores keep (key, window start) entries, non-string keys included', () => {
    const built = buildStore({ name: 'w', type: 'window', changelog: true, caching: true, global: false });
    const store = built.store as WindowStore<{ region: string }, number>;
    store.put({ region: 'eu' }, 0, 1);
    store.put({ region: 'eu' }, 60_000, 2);
    expect(store.get({ region: 'eu' }, 60_000)).toBe(2);
    expect([...store.entries()]).toEqual([
      [{ region: 'eu' }, 0, 1],
      [{ region: 'eu' }, 60_000, 2],
    ]);
    built.caching?.flush();
    expect(built.changelogging?.drainChangelog().map((entry) => entry.key)).toEqual([
      { key: { region: 'eu' }, start: 0 },
      { key: { region: 'eu' }, start: 60_000 },
    ]);
  });

  describe('entry-logged aggregates', () => {
    /** A set of ids as an entry-logged value: one entry per id. */
    class IdSet implements EntryLoggedValue {
      readonly ids = new Set<string>();
      private readonly changed = new Set<string>();
      add(id: string): this {
        this.ids.add(id);
        this.changed.add(id);
        return this;
      }
      *takeChangedEntries(): Iterable<EntryChange> {
        for (const id of this.changed) yield [[id], 1];
        this.changed.clear();
      }
      restoreEntry(key: EntryKey, value: unknown): void {
        if (value === undefined) this.ids.delete(key[0] as string);
        else this.ids.add(key[0] as string);
      }
    }
    const spec = { name: 'w', type: 'key-value', changelog: true, caching: true, global: false } as const;

    it('logs one delta per commit with only the entries changed since the last, and a tombstone per delta when the aggregate is deleted', () => {
      const built = buildStore({ ...spec, entryLogged: () => new IdSet() });
      const store = built.store as KeyValueStore<string, IdSet>;
      const set = new IdSet().add('a').add('b');
      store.put('k', set);
      built.caching?.flush();
      expect(built.changelogging?.drainChangelog()).toEqual([
        {
          store: 'w',
          key: 'k',
          delta: 0,
          value: [
            [['a'], 1],
            [['b'], 1],
          ],
        },
      ]);
      built.caching?.flush();
      expect(built.changelogging?.drainChangelog()).toEqual([]); // unchanged: nothing logged
      store.put('k', set.add('c'));
      built.caching?.flush();
      expect(built.changelogging?.drainChangelog()).toEqual([{ store: 'w', key: 'k', delta: 1, value: [[['c'], 1]] }]);
      store.delete('k');
      store.put('k', new IdSet().add('z')); // a new aggregate under the same key, after the delete
      built.caching?.flush();
      expect(built.changelogging?.drainChangelog()).toEqual([
        { store: 'w', key: 'k', delta: 0, value: null },
        { store: 'w', key: 'k', delta: 1, value: null },
        { store: 'w', key: 'k', delta: 2, value: [[['z'], 1]] },
      ]);
    });

    it('restores aggregates from their deltas in order, drops one whose deltas were all removed, and numbers new deltas after the restored ones', () => {
      const built = buildStore({ ...spec, entryLogged: () => new IdSet() });
      const changelogging = built.changelogging!;
      changelogging.restoreDelta('k', 0, [
        [['a'], 1],
        [['b'], 1],
      ]);
      changelogging.restoreDelta('k', 1, [[['b'], null]]);
      changelogging.restoreDelta('gone', 0, [[['x'], 1]]);
      changelogging.restoreDelta('gone', 1, [[['y'], 1]]);
      changelogging.restoreDelta('gone', 0, null);
      changelogging.restoreDelta('gone', 1, null);
      changelogging.restoreDelta('never', 3, null); // compaction kept only the tombstone
      const store = built.store as KeyValueStore<string, IdSet>;
      expect([...(store.get('k')?.ids ?? [])]).toEqual(['a']);
      expect(store.get('gone')).toBeUndefined();
      expect(store.get('never')).toBeUndefined();
      expect(changelogging.drainChangelog()).toEqual([]);
      store.put('k', (store.get('k') as IdSet).add('c'));
      built.caching?.flush();
      expect(changelogging.drainChangelog()).toEqual([{ store: 'w', key: 'k', delta: 2, value: [[['c'], 1]] }]);
    });
  });
});
