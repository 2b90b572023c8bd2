import type { ProcessorSupplier } from '../../processors/api/processor';
import { aggregateProcessor, type Aggregator, type Initializer } from '../../processors/aggregate';
import type { SessionWindowSpec, TimeWindowSpec } from '../../processors/windows';
import type { DslContext } from './dsl-context';
import type { KTable } from './ktable';
import type { StoreOptions } from './store-options';
import type { SessionWindowedKStream, TimeWindowedKStream } from './windowed-kstream';

/** A stream grouped by key, ready to aggregate (Kafka Streams' KGroupedStream). */
export class KGroupedStream<K, V> {
  constructor(
    private readonly dsl: DslContext,
    readonly nodeName: string,
  ) {}

  /** A table of the latest aggregate per key. */
  aggregate<A>(initializer: Initializer<A>, aggregator: Aggregator<K, V, A>, options: StoreOptions = {}): KTable<K, A> {
    const name = this.dsl.builder.nextName('aggregate', options.name);
    const store = options.store ?? `${name}-store`;
    this.dsl.builder.addStore({
      name: store,
      type: 'key-value',
      changelog: options.changelog ?? true,
      caching: options.caching ?? true,
      global: false,
    });
    this.dsl.builder.add({
      kind: 'processor',
      name,
      operator: 'aggregate',
      parents: [this.nodeName],
      supplier: aggregateProcessor(store, initializer, aggregator) as ProcessorSupplier,
      stores: [store],
      changesKey: false,
    });
    return this.dsl.tableOf<K, A>(name, store);
  }

  count(options: StoreOptions = {}): KTable<K, number> {
    return this.aggregate(
      () => 0,
      (_key, _value, count) => count + 1,
      options,
    );
  }

  reduce(reducer: (aggregate: V, value: V, key: K) => V, options: StoreOptions = {}): KTable<K, V> {
    const EMPTY = undefined as unknown as V;
    return this.aggregate<V>(
      () => EMPTY,
      (key, value, aggregate) => (aggregate === EMPTY ? value : reducer(aggregate, value, key)),
      options,
    );
  }

  windowedBy(windows: TimeWindowSpec): TimeWindowedKStream<K, V>;
  windowedBy(windows: SessionWindowSpec): SessionWindowedKStream<K, V>;
  windowedBy(windows: TimeWindowSpec | SessionWindowSpec): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    return windows.kind === 'session'
      ? this.dsl.sessionWindowed<K, V>(this.nodeName, windows)
      : this.dsl.timeWindowed<K, V>(this.nodeName, windows);
  }
}
