import type { ProcessorSupplier } from '../../processors/api/processor';
import type { WindowResult, Windowed } from '../../processors/api/record';
import type { Aggregator, Initializer } from '../../processors/aggregate';
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
    const name = this.dsl.builder.nextName('window-aggregate', options.name);
    const store = options.store ?? `${name}-store`;
    this.dsl.builder.addStore({
      name: store,
      type: 'window',
      changelog: options.changelog ?? true,
      caching: options.caching ?? true,
      global: false,
    });
    this.dsl.builder.add({
      kind: 'processor',
      name,
      operator: `window-aggregate(${this.windows.kind} ${this.windows.sizeMs}ms, grace ${this.windows.graceMs}ms)`,
      parents: [this.nodeName],
      supplier: windowAggregateProcessor(
        store,
        this.windows,
        initializer,
        aggregator,
        emitPolicy(options.emit),
      ) as ProcessorSupplier,
      stores: [store],
      changesKey: false,
    });
    return this.dsl.streamOf<Windowed<K>, WindowResult<A>>(name);
  }

  count(options: WindowedAggregateOptions = {}): KStream<Windowed<K>, WindowResult<number>> {
    return this.aggregate(
      () => 0,
      (_key, _value, count) => count + 1,
      options,
    );
  }

  reduce(
    reducer: (aggregate: V, value: V, key: K) => V,
    options: WindowedAggregateOptions = {},
  ): KStream<Windowed<K>, WindowResult<V>> {
    const EMPTY = undefined as unknown as V;
    return this.aggregate<V>(
      () => EMPTY,
      (key, value, aggregate) => (aggregate === EMPTY ? value : reducer(aggregate, value, key)),
      options,
    );
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
    const name = this.dsl.builder.nextName('session-aggregate', options.name);
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
      operator: `session-aggregate(gap ${this.windows.gapMs}ms, grace ${this.windows.graceMs}ms)`,
      parents: [this.nodeName],
      supplier: sessionWindowAggregateProcessor(
        store,
        this.windows,
        initializer,
        aggregator,
        merger,
        emitPolicy(options.emit),
      ) as ProcessorSupplier,
      stores: [store],
      changesKey: false,
    });
    return this.dsl.streamOf<Windowed<K>, SessionResult<A>>(name);
  }

  count(options: WindowedAggregateOptions = {}): KStream<Windowed<K>, SessionResult<number>> {
    return this.aggregate(
      () => 0,
      (_key, _value, count) => count + 1,
      (_key, left, right) => left + right,
      options,
    );
  }
}
