import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import { withValue, type StreamRecord } from './api/record';
import type { KeyValueStore } from './api/stores';

export type JoinKind = 'inner' | 'left';

/**
 * Joins each stream record with the table's current value for a key: the record's own key (a
 * co-partitioned table) or one computed from the record (a global table). An inner join forwards
 * only matches; a left join forwards every record, with null for a missing table value. Table
 * updates never trigger output: only stream records do.
 */
export function streamTableJoinProcessor<K, V, TK, TV, R>(
  tableStoreName: string,
  kind: JoinKind,
  joiner: (value: V, tableValue: TV | null, key: K) => R,
  tableKeyOf?: (value: V, key: K) => TK | null | undefined,
): ProcessorSupplier<K, V, K, R> {
  return () => {
    let context: ProcessorContext<K, R>;
    let table: KeyValueStore<TK, TV>;
    return {
      init: (ctx) => {
        context = ctx;
        table = ctx.getStateStore<KeyValueStore<TK, TV>>(tableStoreName);
      },
      process: (record: StreamRecord<K, V>) => {
        const lookupKey = tableKeyOf ? tableKeyOf(record.value, record.key) : (record.key as unknown as TK);
        const tableValue = lookupKey === null || lookupKey === undefined ? undefined : table.get(lookupKey);
        if (tableValue === undefined && kind === 'inner') return;
        context.forward(withValue(record, joiner(record.value, tableValue ?? null, record.key)));
      },
    };
  };
}
