import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import type { StreamRecord } from './api/record';

/** Forwards every record unchanged: the node behind `merge`, sources and sinks. */
export function passThroughProcessor<K, V>(): ProcessorSupplier<K, V, K, V> {
  return () => {
    let context: ProcessorContext<K, V>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, V>) => context.forward(record),
    };
  };
}
