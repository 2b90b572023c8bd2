import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbKeyValueStore } from './lmdb-key-value-store';
import { takeCheckpoint, writeCheckpoint } from './store-checkpoint';
import { buildStore } from './build-store';
import type { WindowStore } from '../../processors/api/stores';

describe('the on-disk store (LMDB)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'reelstream-lmdb-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads its own buffered writes, writes them at flush, and keeps them across a reopen', async () => {
    const store = LmdbKeyValueStore.open<string, { count: number }>('s', join(dir, 's'));
    store.put('a', { count: 1 });
    store.put('b', { count: 2 });
    store.delete('b');
    expect(store.get('a')).toEqual({ count: 1 });
    expect(store.get('b')).toBeUndefined();
    store.flushWrites();
    expect(store.size).toBe(1);
    await store.close();
    const reopened = LmdbKeyValueStore.open<string, { count: number }>('s', join(dir, 's'));
    expect([...reopened.entries()]).toEqual([['a', { count: 1 }]]);
    reopened.clear();
    expect(reopened.size).toBe(0);
    await reopened.close();
  });

  it('backs window stores with non-string keys, through the usual decorators', async () => {
    const built = buildStore(
      { name: 'w', type: 'window', changelog: true, caching: true, global: false },
      { taskDir: dir },
    );
    expect(built.persistent?.dir).toBe(join(dir, 'w'));
    const store = built.store as WindowStore<{ region: string }, number>;
    store.put({ region: 'eu' }, 60_000, 3);
    built.caching?.flush();
    built.persistent?.store.flushWrites();
    expect(store.get({ region: 'eu' }, 60_000)).toBe(3);
    expect([...store.entries()]).toEqual([[{ region: 'eu' }, 60_000, 3]]);
    await built.persistent?.store.close();
  });

  it('keeps entry-logged and changelog-less stores in memory', () => {
    const entryLogged = buildStore(
      { name: 'e', type: 'window', changelog: true, caching: true, global: false, entryLogged: () => ({}) as never },
      { taskDir: dir },
    );
    const unlogged = buildStore(
      { name: 'u', type: 'key-value', changelog: false, caching: true, global: false },
      { taskDir: dir },
    );
    expect(entryLogged.persistent).toBeUndefined();
    expect(unlogged.persistent).toBeUndefined();
  });

  it('takes a checkpoint once (it is removed when read) and ignores a torn one', () => {
    writeCheckpoint(join(dir, 's'), { changelog: 'app-s-changelog', partition: 2, offset: 1_000 });
    expect(takeCheckpoint(join(dir, 's'))).toEqual({ changelog: 'app-s-changelog', partition: 2, offset: 1_000 });
    expect(takeCheckpoint(join(dir, 's'))).toBeUndefined();
    writeFileSync(join(dir, 's', '.checkpoint'), '{"changelog":');
    expect(takeCheckpoint(join(dir, 's'))).toBeUndefined();
  });
});
