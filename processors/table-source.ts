import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import { withValue, type Change, type StreamRecord } from './api/record';
import type { KeyValueStore } from './api/stores';

/**
 * Materializes a compacted topic as the latest value per key: a null value (tombstone) deletes.
 * With `isNewer`, an update older than the stored value (e.g. a lower catalog `version`) is dropped
 * and counted — "latest version wins" even when updates arrive out of order.
 */
export function tableSourceProcessor<K, V>(
  storeName: string,
  isNewer?: (candidate: V, current: V) => boolean,
): ProcessorSupplier<K, V | null, K, Change<V>> {
  return () => {
    let context: ProcessorContext<K, Change<V>>;
    let store: KeyValueStore<K, V>;
    return {
      init: (ctx) => {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<K, V>>(storeName);
      },
      process: (record: StreamRecord<K, V | null>) => {
        if (record.key === null || record.key === undefined) {
          context.dropped(record, 'a table record needs a key');
          return;
        }
        const current = store.get(record.key);
        if (record.value === null || record.value === undefined) {
          if (current === undefined) return; // deleting what is not there changes nothing
          store.delete(record.key);
          context.forward(withValue(record, { newValue: null, oldValue: current }));
          return;
        }
        if (current !== undefined && isNewer && !isNewer(record.value, current)) {
          context.dropped(record, 'stale update: not newer than the stored value');
          return;
        }
        store.put(record.key, record.value);
        context.forward(withValue(record, { newValue: record.value, oldValue: current ?? null }));
      },
    };
  };
}
