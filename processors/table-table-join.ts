import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import { withValue, type Change, type StreamRecord } from './api/record';
import type { KeyValueStore } from './api/stores';
import type { JoinKind } from './stream-table-join';

/**
 * One side of a table–table join (the DSL wires two: left and right). An update on this side looks
 * up the other side's current value and forwards the joined change. When an inner join loses its
 * match (this side deleted, or no partner), the previous result is withdrawn with a null.
 *
 * `side` says whether this node sees the left table; a left join keeps left rows without a partner.
 */
export function tableTableJoinProcessor<K, L, R, J>(
  otherStoreName: string,
  side: 'left' | 'right',
  kind: JoinKind,
  joiner: (left: L, right: R | null, key: K) => J,
): ProcessorSupplier<K, Change<L> | Change<R>, K, Change<J>> {
  return () => {
    let context: ProcessorContext<K, Change<J>>;
    let other: KeyValueStore<K, L | R>;

    const join = (left: L | null, right: R | null, key: K): J | null => {
      if (left === null) return null;
      if (right === null && kind === 'inner') return null;
      return joiner(left, right, key);
    };

    return {
      init: (ctx) => {
        context = ctx;
        other = ctx.getStateStore<KeyValueStore<K, L | R>>(otherStoreName);
      },
      process: (record: StreamRecord<K, Change<L> | Change<R>>) => {
        const otherValue = (other.get(record.key) ?? null) as L | R | null;
        const change = record.value;
        const [newValue, oldValue] =
          side === 'left'
            ? [
                join(change.newValue as L | null, otherValue as R | null, record.key),
                join(change.oldValue as L | null, otherValue as R | null, record.key),
              ]
            : [
                join(otherValue as L | null, change.newValue as R | null, record.key),
                join(otherValue as L | null, change.oldValue as R | null, record.key),
              ];
        if (newValue === null && oldValue === null) return; // nothing to add or withdraw
        context.forward(withValue(record, { newValue, oldValue }));
      },
    };
  };
}
