import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import { withValue, type StreamRecord } from './api/record';

/** Replaces each value; the key (and so the partitioning) is unchanged. */
export function mapValuesProcessor<K, V, V2>(mapper: (value: V, key: K) => V2): ProcessorSupplier<K, V, K, V2> {
  return () => {
    let context: ProcessorContext<K, V2>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, V>) => context.forward(withValue(record, mapper(record.value, record.key))),
    };
  };
}
