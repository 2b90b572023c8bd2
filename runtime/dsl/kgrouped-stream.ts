import type { ProcessorSupplier } from '../../processors/api/processor';
import {
  aggregateProcessor,
  countAggregator,
  countInitializer,
  reduceAggregator,
  reduceInitializer,
  type Aggregator,
  type Initializer,
} from '../../processors/aggregate';
import { addAggregation } from './add-aggregation';
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
    const { name, store } = addAggregation(this.dsl, this.nodeName, options, {
      prefix: 'aggregate',
      storeType: 'key-value',
      initializer,
      supplier: (storeName) => aggregateProcessor(storeName, initializer, aggregator) as ProcessorSupplier,
    });
    return this.dsl.tableOf<K, A>(name, store);
  }

  count(options: StoreOptions = {}): KTable<K, number> {
    return this.aggregate(countInitializer, countAggregator<K, V>(), options);
  }

  reduce(reducer: (aggregate: V, value: V, key: K) => V, options: StoreOptions = {}): KTable<K, V> {
    return this.aggregate<V>(reduceInitializer<V>(), reduceAggregator(reducer), options);
  }

  windowedBy(windows: TimeWindowSpec): TimeWindowedKStream<K, V>;
  windowedBy(windows: SessionWindowSpec): SessionWindowedKStream<K, V>;
  windowedBy(windows: TimeWindowSpec | SessionWindowSpec): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    return windows.kind === 'session'
      ? this.dsl.sessionWindowed<K, V>(this.nodeName, windows)
      : this.dsl.timeWindowed<K, V>(this.nodeName, windows);
  }
}
