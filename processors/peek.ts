import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import type { StreamRecord } from './api/record';

/** Calls `action` for each record and forwards it unchanged (for logging or metrics; must not do I/O). */
export function peekProcessor<K, V>(action: (value: V, key: K) => void): ProcessorSupplier<K, V, K, V> {
  return () => {
    let context: ProcessorContext<K, V>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, V>) => {
        action(record.value, record.key);
        context.forward(record);
      },
    };
  };
}
