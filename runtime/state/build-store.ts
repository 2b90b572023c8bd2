import type { KeyValueStore, StateStore } from '../../processors/api/stores';
import { CachingKeyValueStore } from './caching-store';
import { ChangeloggingKeyValueStore } from './changelogging-store';
import { defaultKeyIdentity, InMemoryKeyValueStore, type KeyIdentity } from './in-memory-key-value-store';
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
}

export function buildStore(spec: StoreSpec): BuiltStore {
  const idOf = (spec.type === 'window' ? windowKeyIdentity : defaultKeyIdentity) as KeyIdentity<unknown>;
  const inner = new InMemoryKeyValueStore<unknown, unknown>(spec.name, idOf);
  const changelogging = spec.changelog ? new ChangeloggingKeyValueStore(inner, idOf, spec.entryLogged) : undefined;
  const afterChangelog: KeyValueStore<unknown, unknown> = changelogging ?? inner;
  const caching = spec.caching ? new CachingKeyValueStore(afterChangelog, idOf) : undefined;
  const metered = new MeteredKeyValueStore(caching ?? afterChangelog);
  const store =
    spec.type === 'window'
      ? new KeyValueBackedWindowStore(metered as unknown as KeyValueStore<WindowKey<unknown>, unknown>)
      : metered;
  return { spec, store, metered, caching, changelogging };
}
