import { join } from 'node:path';
import type { KeyValueStore, StateStore } from '../../processors/api/stores';
import { CachingKeyValueStore } from './caching-store';
import { ChangeloggingKeyValueStore } from './changelogging-store';
import { defaultKeyIdentity, InMemoryKeyValueStore, type KeyIdentity } from './in-memory-key-value-store';
import { LmdbKeyValueStore } from './lmdb-key-value-store';
import { MeteredKeyValueStore } from './metered-store';
import type { StoreSpec } from './store-spec';
import { KeyValueBackedWindowStore, windowKeyIdentity, type WindowKey } from './window-store';

/** A store built for a task, with handles to its layers for the commit protocol. */
export interface BuiltStore {
  spec: StoreSpec;
  /** What operators get: metered(caching(changelogging(inner))), or the window view of it. */
  store: StateStore;
  metered: MeteredKeyValueStore<unknown, unknown>;
  caching?: CachingKeyValueStore<unknown, unknown>;
  changelogging?: ChangeloggingKeyValueStore<unknown, unknown>;
  /** The on-disk inner store, when the task keeps state on disk; `dir` is where. */
  persistent?: { store: LmdbKeyValueStore<unknown, unknown>; dir: string };
}

/** Where a task keeps persistent stores: one directory per store below it. */
export interface StorePersistence {
  taskDir: string;
}

/**
 * Whether a store can live on disk: entry-logged aggregates (live objects that log their own
 * changes) and stores without a changelog stay in memory.
 */
export function canPersist(spec: StoreSpec): boolean {
  return spec.changelog && !spec.entryLogged && !spec.global;
}

export function buildStore(spec: StoreSpec, persistence?: StorePersistence): BuiltStore {
  const idOf = (spec.type === 'window' ? windowKeyIdentity : defaultKeyIdentity) as KeyIdentity<unknown>;
  const dir = persistence && canPersist(spec) ? join(persistence.taskDir, spec.name) : undefined;
  const onDisk = dir === undefined ? undefined : LmdbKeyValueStore.open<unknown, unknown>(spec.name, dir, idOf);
  const inner = onDisk ?? new InMemoryKeyValueStore<unknown, unknown>(spec.name, idOf);
  const changelogging = spec.changelog ? new ChangeloggingKeyValueStore(inner, idOf, spec.entryLogged) : undefined;
  const afterChangelog: KeyValueStore<unknown, unknown> = changelogging ?? inner;
  const caching = spec.caching ? new CachingKeyValueStore(afterChangelog, idOf) : undefined;
  const metered = new MeteredKeyValueStore(caching ?? afterChangelog);
  const store =
    spec.type === 'window'
      ? new KeyValueBackedWindowStore(metered as unknown as KeyValueStore<WindowKey<unknown>, unknown>)
      : metered;
  return {
    spec,
    store,
    metered,
    caching,
    changelogging,
    persistent: onDisk && dir !== undefined ? { store: onDisk, dir } : undefined,
  };
}

/**
 * A global table's store: in memory, or on disk at `dir` (an instance's persistent global table,
 * read again after a clean stop only from its checkpoint on: global-table-checkpoint.ts). No
 * changelog and no cache: the table's topic is its log, and every record is applied as it is read.
 */
export function buildGlobalStore(spec: StoreSpec, dir?: string): BuiltStore {
  const onDisk = dir === undefined ? undefined : LmdbKeyValueStore.open<unknown, unknown>(spec.name, dir);
  const metered = new MeteredKeyValueStore(onDisk ?? new InMemoryKeyValueStore<unknown, unknown>(spec.name));
  return {
    spec,
    store: metered,
    metered,
    persistent: onDisk && dir !== undefined ? { store: onDisk, dir } : undefined,
  };
}
