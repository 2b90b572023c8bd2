import type { ProcessorSupplier } from '../../processors/api/processor';
import type { WindowResult, Windowed } from '../../processors/api/record';
import {
  countAggregator,
  countInitializer,
  reduceAggregator,
  reduceInitializer,
  type Aggregator,
  type Initializer,
} from '../../processors/aggregate';
import { addAggregation } from './add-aggregation';
import {
  sessionWindowAggregateProcessor,
  type SessionMerger,
  type SessionResult,
} from '../../processors/session-window-aggregate';
import { windowAggregateProcessor } from '../../processors/window-aggregate';
import type { SessionWindowSpec, TimeWindowSpec } from '../../processors/windows';
import type { DslContext } from './dsl-context';
import type { KStream } from './kstream';
import { emitPolicy, type WindowedAggregateOptions } from './store-options';

/**
 * A grouped stream in tumbling or hopping windows. Aggregating yields the stream of emissions:
 * rate-limited `update`s and one `final` per window, keyed by the window.
 */
export class TimeWindowedKStream<K, V> {
  constructor(
    private readonly dsl: DslContext,
    private readonly nodeName: string,
    private readonly windows: TimeWindowSpec,
  ) {}

  aggregate<A>(
    initializer: Initializer<A>,
    aggregator: Aggregator<K, V, A>,
    options: WindowedAggregateOptions = {},
  ): KStream<Windowed<K>, WindowResult<A>> {
    const { name } = addAggregation(this.dsl, this.nodeName, options, {
      prefix: 'window-aggregate',
      operator: `window-aggregate(${this.windows.kind} ${this.windows.sizeMs}ms, grace ${this.windows.graceMs}ms)`,
      storeType: 'window',
      graceMs: this.windows.graceMs,
      initializer,
      supplier: (storeName) =>
        windowAggregateProcessor(
          storeName,
          this.windows,
          initializer,
          aggregator,
          emitPolicy(options.emit),
        ) as ProcessorSupplier,
    });
    return this.dsl.streamOf<Windowed<K>, WindowResult<A>>(name);
  }

  count(options: WindowedAggregateOptions = {}): KStream<Windowed<K>, WindowResult<number>> {
    return this.aggregate(countInitializer, countAggregator<K, V>(), options);
  }

  reduce(
    reducer: (aggregate: V, value: V, key: K) => V,
    options: WindowedAggregateOptions = {},
  ): KStream<Windowed<K>, WindowResult<V>> {
    return this.aggregate<V>(reduceInitializer<V>(), reduceAggregator(reducer), options);
  }
}

/** A grouped stream in session windows; merging sessions needs a merger of two aggregates. */
export class SessionWindowedKStream<K, V> {
  constructor(
    private readonly dsl: DslContext,
    private readonly nodeName: string,
    private readonly windows: SessionWindowSpec,
  ) {}

  aggregate<A>(
    initializer: Initializer<A>,
    aggregator: Aggregator<K, V, A>,
    merger: SessionMerger<K, A>,
    options: WindowedAggregateOptions = {},
  ): KStream<Windowed<K>, SessionResult<A>> {
    const { name } = addAggregation(this.dsl, this.nodeName, options, {
      prefix: 'session-aggregate',
      operator: `session-aggregate(gap ${this.windows.gapMs}ms, grace ${this.windows.graceMs}ms)`,
      storeType: 'key-value',
      graceMs: this.windows.graceMs,
      initializer,
      supplier: (storeName) =>
        sessionWindowAggregateProcessor(
          storeName,
          this.windows,
          initializer,
          aggregator,
          merger,
          emitPolicy(options.emit),
        ) as ProcessorSupplier,
    });
    return this.dsl.streamOf<Windowed<K>, SessionResult<A>>(name);
  }

  count(options: WindowedAggregateOptions = {}): KStream<Windowed<K>, SessionResult<number>> {
    return this.aggregate(countInitializer, countAggregator<K, V>(), (_key, left, right) => left + right, options);
  }
}
