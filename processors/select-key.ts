import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import { withKeyValue, type StreamRecord } from './api/record';

/** Sets a new key computed from the record; the value is unchanged. */
export function selectKeyProcessor<K, V, K2>(selector: (value: V, key: K) => K2): ProcessorSupplier<K, V, K2, V> {
  return () => {
    let context: ProcessorContext<K2, V>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, V>) =>
        context.forward(withKeyValue(record, selector(record.value, record.key), record.value)),
    };
  };
}
