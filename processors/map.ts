import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import { withKeyValue, type StreamRecord } from './api/record';

export interface KeyValue<K, V> {
  key: K;
  value: V;
}

/** Replaces key and value. A new key means a later grouping or join needs a repartition. */
export function mapProcessor<K, V, K2, V2>(
  mapper: (value: V, key: K) => KeyValue<K2, V2>,
): ProcessorSupplier<K, V, K2, V2> {
  return () => {
    let context: ProcessorContext<K2, V2>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, V>) => {
        const mapped = mapper(record.value, record.key);
        context.forward(withKeyValue(record, mapped.key, mapped.value));
      },
    };
  };
}
