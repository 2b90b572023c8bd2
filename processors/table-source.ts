import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import { withValue, type Change, type StreamRecord } from './api/record';
import type { KeyValueStore } from './api/stores';

export interface TableSourceOptions<V> {
  /** Keeps the stored value unless the candidate is newer. */
  isNewer?: (candidate: V, current: V) => boolean;
  /** The value's version: higher wins; a tombstone's version comes from `tombstoneVersionHeader`. */
  version?: (value: V) => number;
  /** Default `version`. */
  tombstoneVersionHeader?: string;
}

/**
 * Materializes a compacted topic as the latest value per key: a null value (tombstone) deletes.
 * With `isNewer` or `version`, an update older than the stored value (a lower catalog `version`) is
 * dropped and counted — "latest version wins" even when updates arrive out of order. With
 * `version`, a tombstone whose version header is older than the stored value is dropped too, and
 * the versions of deleted keys are remembered in `deletesStoreName` (the DSL adds that store
 * beside the table's), so an update older than the delete stays deleted — also after a restart
 * that reads only what is new (a persistent global table).
 */
export function tableSourceProcessor<K, V>(
  storeName: string,
  options: TableSourceOptions<V> = {},
  deletesStoreName?: string,
): ProcessorSupplier<K, V | null, K, Change<V>> {
  const { version } = options;
  const header = options.tombstoneVersionHeader ?? 'version';
  const isNewer =
    options.isNewer ?? (version ? (candidate: V, current: V) => version(candidate) > version(current) : undefined);
  return () => {
    let context: ProcessorContext<K, Change<V>>;
    let store: KeyValueStore<K, V>;
    /** Delete versions of deleted keys: only with `version` (without, nothing orders a delete). */
    let deletedAt: Pick<KeyValueStore<K, number>, 'get' | 'put' | 'delete'> = inMemoryDeletes<K>();
    return {
      init: (ctx) => {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<K, V>>(storeName);
        if (deletesStoreName !== undefined) deletedAt = ctx.getStateStore<KeyValueStore<K, number>>(deletesStoreName);
      },
      process: (record: StreamRecord<K, V | null>) => {
        if (record.key === null || record.key === undefined) {
          context.dropped(record, 'a table record needs a key');
          return;
        }
        const current = store.get(record.key);
        if (record.value === null || record.value === undefined) {
          const deleteVersion = version ? Number(record.headers?.[header]) : Number.NaN;
          if (Number.isFinite(deleteVersion)) {
            if (current !== undefined && version && version(current) > deleteVersion) {
              context.dropped(record, 'stale delete: older than the stored value');
              return;
            }
            deletedAt.put(record.key, Math.max(deleteVersion, deletedAt.get(record.key) ?? deleteVersion));
          }
          if (current === undefined) return; // deleting what is not there changes nothing
          store.delete(record.key);
          context.forward(withValue(record, { newValue: null, oldValue: current }));
          return;
        }
        if (current !== undefined && isNewer && !isNewer(record.value, current)) {
          context.dropped(record, 'stale update: not newer than the stored value');
          return;
        }
        const deleted = version && current === undefined ? deletedAt.get(record.key) : undefined;
        if (deleted !== undefined && version && version(record.value) <= deleted) {
          context.dropped(record, 'stale update: not newer than the delete');
          return;
        }
        if (deleted !== undefined) deletedAt.delete(record.key);
        store.put(record.key, record.value);
        context.forward(withValue(record, { newValue: record.value, oldValue: current ?? null }));
      },
    };
  };
}

/** Delete versions kept in the processor, for a table built without a deletes store. */
function inMemoryDeletes<K>(): Pick<KeyValueStore<K, number>, 'get' | 'put' | 'delete'> {
  const versions = new Map<K, number>();
  return {
    get: (key) => versions.get(key),
    put: (key, value) => void versions.set(key, value),
    delete: (key) => void versions.delete(key),
  };
}
