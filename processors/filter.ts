import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import type { StreamRecord } from './api/record';

export type Predicate<K, V> = (value: V, key: K) => boolean;

/** Forwards the records the predicate accepts (or, negated, rejects). */
export function filterProcessor<K, V>(predicate: Predicate<K, V>, negate = false): ProcessorSupplier<K, V, K, V> {
  return () => {
    let context: ProcessorContext<K, V>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, V>) => {
        if (predicate(record.value, record.key) !== negate) context.forward(record);
      },
    };
  };
}
