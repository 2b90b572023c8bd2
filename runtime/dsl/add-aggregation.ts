import type { Initializer } from '../../processors/aggregate';
import { isEntryLogged, type EntryLoggedValue } from '../../processors/api/entry-logged';
import type { ProcessorSupplier } from '../../processors/api/processor';
import type { DslContext } from './dsl-context';
import type { StoreOptions } from './store-options';

/**
 * Adds an aggregating node and the store it owns, the same way for every kind of aggregation:
 * the store is `<node>-store` unless named, changelogged and cached unless told otherwise.
 */
export function addAggregation(
  dsl: DslContext,
  parent: string,
  options: StoreOptions,
  spec: {
    prefix: string;
    operator?: string;
    storeType: 'key-value' | 'window';
    /** Windowed: the windows' grace, which event-time alignment must respect. */
    graceMs?: number;
    /** The aggregation's initializer: when it returns an entry-logged value, so is the store. */
    initializer: Initializer<unknown>;
    supplier: (store: string) => ProcessorSupplier;
  },
): { name: string; store: string } {
  const name = dsl.builder.nextName(spec.prefix, options.name);
  const store = options.store ?? `${name}-store`;
  dsl.builder.addStore({
    name: store,
    type: spec.storeType,
    changelog: options.changelog ?? true,
    caching: options.caching ?? true,
    global: false,
    entryLogged: isEntryLogged(spec.initializer()) ? (spec.initializer as () => EntryLoggedValue) : undefined,
  });
  dsl.builder.add({
    kind: 'processor',
    name,
    operator: spec.operator ?? spec.prefix,
    parents: [parent],
    supplier: spec.supplier(store),
    stores: [store],
    changesKey: false,
    ...(spec.graceMs !== undefined ? { graceMs: spec.graceMs } : {}),
  });
  return { name, store };
}
