import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import { withValue, type Change, type StreamRecord } from './api/record';
import type { KeyValueStore } from './api/stores';

export type Initializer<A> = () => A;
export type Aggregator<K, V, A> = (key: K, value: V, aggregate: A) => A;

/**
 * Non-windowed aggregation of a grouped stream into a table (count, reduce and aggregate all reduce
 * to this). Each update forwards the new and the previous aggregate, as a table change.
 */
export function aggregateProcessor<K, V, A>(
  storeName: string,
  initializer: Initializer<A>,
  aggregator: Aggregator<K, V, A>,
): ProcessorSupplier<K, V, K, Change<A>> {
  return () => {
    let context: ProcessorContext<K, Change<A>>;
    let store: KeyValueStore<K, A>;
    return {
      init: (ctx) => {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<K, A>>(storeName);
      },
      process: (record: StreamRecord<K, V>) => {
        if (record.key === null || record.key === undefined) {
          context.dropped(record, 'null key cannot be aggregated');
          return;
        }
        const oldValue = store.get(record.key);
        const newValue = aggregator(record.key, record.value, oldValue === undefined ? initializer() : oldValue);
        store.put(record.key, newValue);
        context.forward(withValue(record, { newValue, oldValue: oldValue ?? null }));
      },
    };
  };
}

/** count() as an aggregation: every record adds one. */
export const countInitializer: Initializer<number> = () => 0;
export const countAggregator =
  <K, V>(): Aggregator<K, V, number> =>
  (_key, _value, count) =>
    count + 1;

/** reduce() as an aggregation: the first value starts the aggregate, later ones are folded in. */
const NO_VALUE_YET = undefined;
export const reduceInitializer =
  <V>(): Initializer<V> =>
  () =>
    NO_VALUE_YET as unknown as V;
export const reduceAggregator =
  <K, V>(reducer: (aggregate: V, value: V, key: K) => V): Aggregator<K, V, V> =>
  (key, value, aggregate) =>
    aggregate === NO_VALUE_YET ? value : reducer(aggregate, value, key);
