import { buildStore } from './build-store';
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
});
