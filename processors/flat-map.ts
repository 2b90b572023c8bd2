import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import { withKeyValue, type StreamRecord } from './api/record';
import type { KeyValue } from './map';

/** Turns one record into zero or more, each with its own key and value. */
export function flatMapProcessor<K, V, K2, V2>(
  mapper: (value: V, key: K) => Iterable<KeyValue<K2, V2>>,
): ProcessorSupplier<K, V, K2, V2> {
  return () => {
    let context: ProcessorContext<K2, V2>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, V>) => {
        for (const output of mapper(record.value, record.key))
          context.forward(withKeyValue(record, output.key, output.value));
      },
    };
  };
}
