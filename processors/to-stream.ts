import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import { withValue, type Change, type StreamRecord } from './api/record';

/** A table's changes as a stream of new values; a deletion becomes a null value (a tombstone). */
export function toStreamProcessor<K, V>(): ProcessorSupplier<K, Change<V>, K, V | null> {
  return () => {
    let context: ProcessorContext<K, V | null>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, Change<V>>) => context.forward(withValue(record, record.value.newValue)),
    };
  };
}
