import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import type { StreamRecord } from './api/record';
import type { Predicate } from './filter';

export interface Branch<K, V> {
  /** The child node that receives the branch's records. */
  childName: string;
  /** Absent for the default branch, which takes what no predicate accepted. */
  predicate?: Predicate<K, V>;
}

/** Sends each record to the first branch whose predicate accepts it (or the default branch, if any). */
export function branchProcessor<K, V>(branches: readonly Branch<K, V>[]): ProcessorSupplier<K, V, K, V> {
  return () => {
    let context: ProcessorContext<K, V>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, V>) => {
        for (const branch of branches) {
          if (!branch.predicate || branch.predicate(record.value, record.key)) {
            context.forward(record, branch.childName);
            return;
          }
        }
        // No branch and no default: not an error, but never silent.
        context.dropped(record, 'matched no branch');
      },
    };
  };
}
