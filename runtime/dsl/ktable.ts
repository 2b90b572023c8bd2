import type { ProcessorSupplier } from '../../processors/api/processor';
import { passThroughProcessor } from '../../processors/pass-through';
import type { JoinKind } from '../../processors/stream-table-join';
import { tableTableJoinProcessor } from '../../processors/table-table-join';
import { toStreamProcessor } from '../../processors/to-stream';
import { TopologyError } from '../topology/topology-error';
import type { DslContext, Named } from './dsl-context';
import type { KStream } from './kstream';

/**
 * A changelog stream seen as a table: the latest value per key (Kafka Streams' KTable). Internally
 * its records are changes (new and old value); `toStream()` turns them into values, null for a delete.
 */
export class KTable<K, V> {
  readonly kind = 'table' as const;

  constructor(
    private readonly dsl: DslContext,
    readonly nodeName: string,
    /** The store holding the table's current values (what joins look up); undefined when not materialized. */
    readonly storeName: string | undefined,
  ) {}

  toStream(named?: Named): KStream<K, V | null> {
    const name = this.dsl.builder.nextName('to-stream', named?.name);
    this.dsl.builder.add({
      kind: 'processor',
      name,
      operator: 'to-stream',
      parents: [this.nodeName],
      supplier: toStreamProcessor() as ProcessorSupplier,
      stores: [],
      changesKey: false,
    });
    return this.dsl.streamOf<K, V | null>(name);
  }

  /** Table–table join on the key: an update on either side emits the joined value (inner: both present). */
  join<V2, R>(other: KTable<K, V2>, joiner: (left: V, right: V2, key: K) => R, named?: Named): KTable<K, R> {
    return this.joinTable('inner', other, joiner as (left: V, right: V2 | null, key: K) => R, named);
  }

  /** Like join, but every left row is kept, joined with null while the right side has no value. */
  leftJoin<V2, R>(other: KTable<K, V2>, joiner: (left: V, right: V2 | null, key: K) => R, named?: Named): KTable<K, R> {
    return this.joinTable('left', other, joiner, named);
  }

  private joinTable<V2, R>(
    kind: JoinKind,
    other: KTable<K, V2>,
    joiner: (left: V, right: V2 | null, key: K) => R,
    named?: Named,
  ): KTable<K, R> {
    const [leftStore, rightStore] = [this.storeName, other.storeName];
    if (leftStore === undefined || rightStore === undefined) {
      const unmaterialized = leftStore === undefined ? this.nodeName : other.nodeName;
      throw new TopologyError(this.dsl.builder.name, [
        `table "${unmaterialized}" is a join result and is not materialized; it cannot be joined`,
      ]);
    }
    const name = this.dsl.builder.nextName(`table-table-${kind}-join`, named?.name);
    const coPartitionedWith = [this.nodeName, other.nodeName];
    const side = (suffix: 'left' | 'right', parent: string, otherStore: string) =>
      this.dsl.builder.add({
        kind: 'processor',
        name: `${name}-${suffix}`,
        operator: `table-table-${kind}-join-${suffix}`,
        parents: [parent],
        supplier: tableTableJoinProcessor(otherStore, suffix, kind, joiner) as ProcessorSupplier,
        stores: [otherStore],
        changesKey: false,
        coPartitionedWith,
      });
    side('left', this.nodeName, rightStore);
    side('right', other.nodeName, leftStore);
    this.dsl.builder.add({
      kind: 'processor',
      name,
      operator: 'merge',
      parents: [`${name}-left`, `${name}-right`],
      // Both sides' changes flow out of one node, so the joined table has one name.
      supplier: passThroughProcessor() as ProcessorSupplier,
      stores: [],
      changesKey: false,
    });
    // The join result is not materialized: it can be streamed, but not joined again.
    return this.dsl.tableOf<K, R>(name, undefined);
  }
}
