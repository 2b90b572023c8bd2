import type { SchemaName } from '../../schemas/catalog';
import type { ProcessorSupplier } from '../../processors/api/processor';
import { branchProcessor } from '../../processors/branch';
import { filterProcessor, type Predicate } from '../../processors/filter';
import { flatMapProcessor } from '../../processors/flat-map';
import { mapProcessor, type KeyValue } from '../../processors/map';
import { mapValuesProcessor } from '../../processors/map-values';
import { passThroughProcessor } from '../../processors/pass-through';
import { peekProcessor } from '../../processors/peek';
import { samplerProcessor, type SampleLedgerEntry, type Sampled, type SamplerOptions } from '../../processors/sampler';
import type { SamplingSpec } from '../flow/sampling-controller';
import { selectKeyProcessor } from '../../processors/select-key';
import { streamTableJoinProcessor, type JoinKind } from '../../processors/stream-table-join';
import { isSinkDescriptor, type SinkDescriptor } from '../topology/sink-descriptor';
import { TopologyError } from '../topology/topology-error';
import type { DslContext, Named } from './dsl-context';
import type { GlobalKTable } from './global-ktable';
import type { KGroupedStream } from './kgrouped-stream';
import type { KTable } from './ktable';

/** Where `to(...)` sends records: a Kafka topic by name, or a sink adapter descriptor. */
/** A topic written with a schema: Avro values (Confluent wire format), string keys as plain UTF-8. */
export interface AvroTopic {
  readonly topic: string;
  readonly valueSchema: SchemaName;
}

/** `to(avroTopic('cache.invalidation', 'CacheInvalidation'))`: write the topic as its other producers do. */
export function avroTopic(topic: string, valueSchema: SchemaName): AvroTopic {
  return { topic, valueSchema };
}

export type Destination = string | AvroTopic | SinkDescriptor;

/**
 * A record stream (Kafka Streams' KStream). Every method adds one node to the logical graph and
 * returns the stream after it; nothing runs until the topology is built and executed.
 * Callbacks take the value first and the key second: most operators only need the value.
 */
export class KStream<K, V> {
  constructor(
    protected readonly dsl: DslContext,
    /** The node whose output this stream is. */
    readonly nodeName: string,
    /** Whether an operator since the last source or repartition set a new key. */
    readonly keyChanged = false,
  ) {}

  private addProcessor<K2, V2>(
    prefix: string,
    supplier: ProcessorSupplier,
    options: Named & { changesKey?: boolean; stores?: string[] } = {},
  ): KStream<K2, V2> {
    const name = this.dsl.builder.nextName(prefix, options.name);
    this.dsl.builder.add({
      kind: 'processor',
      name,
      operator: prefix,
      parents: [this.nodeName],
      supplier,
      stores: options.stores ?? [],
      changesKey: options.changesKey ?? false,
    });
    return this.dsl.streamOf<K2, V2>(name, this.keyChanged || (options.changesKey ?? false));
  }

  filter(predicate: Predicate<K, V>, named?: Named): KStream<K, V> {
    return this.addProcessor('filter', filterProcessor(predicate) as ProcessorSupplier, named);
  }

  filterNot(predicate: Predicate<K, V>, named?: Named): KStream<K, V> {
    return this.addProcessor('filter-not', filterProcessor(predicate, true) as ProcessorSupplier, named);
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2, named?: Named): KStream<K, V2> {
    return this.addProcessor('map-values', mapValuesProcessor(mapper) as ProcessorSupplier, named);
  }

  map<K2, V2>(mapper: (value: V, key: K) => KeyValue<K2, V2>, named?: Named): KStream<K2, V2> {
    return this.addProcessor('map', mapProcessor(mapper) as ProcessorSupplier, { ...named, changesKey: true });
  }

  selectKey<K2>(selector: (value: V, key: K) => K2, named?: Named): KStream<K2, V> {
    return this.addProcessor('select-key', selectKeyProcessor(selector) as ProcessorSupplier, {
      ...named,
      changesKey: true,
    });
  }

  flatMap<K2, V2>(mapper: (value: V, key: K) => Iterable<KeyValue<K2, V2>>, named?: Named): KStream<K2, V2> {
    return this.addProcessor('flat-map', flatMapProcessor(mapper) as ProcessorSupplier, { ...named, changesKey: true });
  }

  flatMapValues<V2>(mapper: (value: V, key: K) => Iterable<V2>, named?: Named): KStream<K, V2> {
    const supplier = flatMapProcessor<K, V, K, V2>(function* (value, key) {
      for (const output of mapper(value, key)) yield { key, value: output };
    });
    return this.addProcessor('flat-map-values', supplier as ProcessorSupplier, named);
  }

  peek(action: (value: V, key: K) => void, named?: Named): KStream<K, V> {
    return this.addProcessor('peek', peekProcessor(action) as ProcessorSupplier, named);
  }

  /** Both streams' records in one stream (no ordering between them beyond each input's own). */
  merge(other: KStream<K, V>, named?: Named): KStream<K, V> {
    const name = this.dsl.builder.nextName('merge', named?.name);
    this.dsl.builder.add({
      kind: 'processor',
      name,
      operator: 'merge',
      parents: [this.nodeName, other.nodeName],
      supplier: passThroughProcessor() as ProcessorSupplier,
      stores: [],
      changesKey: false,
    });
    return this.dsl.streamOf<K, V>(name, this.keyChanged || other.keyChanged);
  }

  /**
   * Splits the stream by predicates, checked in order; a record goes to the first match. Records no
   * predicate accepts go to `defaultBranch` when named, else they are counted as dropped.
   */
  split<B extends string, D extends string = never>(
    branches: Record<B, Predicate<K, V>>,
    options: Named & { defaultBranch?: D } = {},
  ): Record<B | D, KStream<K, V>> {
    const splitName = this.dsl.builder.nextName('split', options.name);
    const entries = Object.entries(branches) as [B, Predicate<K, V>][];
    const childNames = new Map<string, string>();
    for (const [branch] of entries) childNames.set(branch, `${splitName}-${branch}`);
    if (options.defaultBranch) childNames.set(options.defaultBranch, `${splitName}-${options.defaultBranch}`);
    const processor = branchProcessor<K, V>([
      ...entries.map(([branch, predicate]) => ({ childName: childNames.get(branch) as string, predicate })),
      ...(options.defaultBranch ? [{ childName: childNames.get(options.defaultBranch) as string }] : []),
    ]);
    this.dsl.builder.add({
      kind: 'processor',
      name: splitName,
      operator: 'split',
      parents: [this.nodeName],
      supplier: processor as ProcessorSupplier,
      stores: [],
      changesKey: false,
    });
    const result = {} as Record<B | D, KStream<K, V>>;
    for (const [branch, childName] of childNames) {
      this.dsl.builder.add({
        kind: 'processor',
        name: childName,
        operator: 'branch',
        parents: [splitName],
        supplier: passThroughProcessor() as ProcessorSupplier,
        stores: [],
        changesKey: false,
      });
      result[branch as B | D] = this.dsl.streamOf<K, V>(childName, this.keyChanged);
    }
    return result;
  }

  /** Groups by a new key; the records are moved to the new key's partition through a repartition topic. */
  groupBy<K2>(
    selector: (value: V, key: K) => K2,
    options: Named & { partitions?: number } = {},
  ): KGroupedStream<K2, V> {
    return this.selectKey(selector)
      .repartition({ ...options, prefix: 'group-by' })
      .groupByKey();
  }

  /** Groups by the current key; repartitions first only if an upstream operator changed the key. */
  groupByKey(options: Named & { partitions?: number } = {}): KGroupedStream<K, V> {
    if (this.keyChanged) return this.repartition(options).groupByKey();
    return this.dsl.grouped<K, V>(this.nodeName);
  }

  /** Moves records to the partition of their current key, through `<app>-<name>-repartition`. */
  repartition(options: Named & { partitions?: number; prefix?: string } = {}): KStream<K, V> {
    const name = this.dsl.builder.nextName(options.prefix ?? 'repartition', options.name);
    this.dsl.builder.add({
      kind: 'repartition',
      name,
      operator: 'repartition',
      parents: [this.nodeName],
      partitions: options.partitions,
    });
    return this.dsl.streamOf<K, V>(name, false);
  }

  /** Inner join with a co-partitioned table on the record key, or with a global table on a key from the record. */
  join<TV, R>(table: KTable<K, TV>, joiner: (value: V, tableValue: TV, key: K) => R, named?: Named): KStream<K, R>;
  join<TK, TV, R>(
    table: GlobalKTable<TK, TV>,
    keySelector: (value: V, key: K) => TK | null | undefined,
    joiner: (value: V, tableValue: TV, key: K) => R,
    named?: Named,
  ): KStream<K, R>;
  join(...args: unknown[]): KStream<K, unknown> {
    return this.joinTable('inner', args);
  }

  /** Like join, but every record is kept; the table value is null when the table has no entry. */
  leftJoin<TV, R>(
    table: KTable<K, TV>,
    joiner: (value: V, tableValue: TV | null, key: K) => R,
    named?: Named,
  ): KStream<K, R>;
  leftJoin<TK, TV, R>(
    table: GlobalKTable<TK, TV>,
    keySelector: (value: V, key: K) => TK | null | undefined,
    joiner: (value: V, tableValue: TV | null, key: K) => R,
    named?: Named,
  ): KStream<K, R>;
  leftJoin(...args: unknown[]): KStream<K, unknown> {
    return this.joinTable('left', args);
  }

  private joinTable(kind: JoinKind, args: unknown[]): KStream<K, unknown> {
    const table = args[0] as KTable<unknown, unknown> | GlobalKTable<unknown, unknown>;
    const isGlobal = table.kind === 'global-table';
    const keySelector = isGlobal ? (args[1] as (value: V, key: K) => unknown) : undefined;
    const joiner = (isGlobal ? args[2] : args[1]) as (value: V, tableValue: unknown, key: K) => unknown;
    const named = (isGlobal ? args[3] : args[2]) as Named | undefined;
    const prefix = `${isGlobal ? 'global-table' : 'table'}-${kind}-join`;
    const storeName = table.storeName;
    if (storeName === undefined) {
      throw new TopologyError(this.dsl.builder.name, [
        `table "${table.nodeName}" is a join result and is not materialized; it cannot be joined`,
      ]);
    }
    const name = this.dsl.builder.nextName(prefix, named?.name);
    this.dsl.builder.add({
      kind: 'processor',
      name,
      operator: prefix,
      parents: [this.nodeName],
      supplier: streamTableJoinProcessor(storeName, kind, joiner, keySelector) as ProcessorSupplier,
      stores: [storeName],
      changesKey: false,
      ...(isGlobal ? {} : { coPartitionedWith: [this.nodeName, table.nodeName], requiresOriginalKey: true }),
    });
    return this.dsl.streamOf(name, this.keyChanged);
  }

  /** Writes to Kafka topics and/or sink adapters; the stream is not continued. */
  to(...destinations: Destination[]): void {
    for (const destination of destinations) {
      if (isSinkDescriptor(destination)) {
        const name = this.dsl.builder.nextName(`sink-${destination.type}`);
        this.dsl.builder.add({
          kind: 'adapter-sink',
          name,
          operator: `sink:${destination.type}`,
          parents: [this.nodeName],
          sink: destination,
        });
      } else {
        const name = this.dsl.builder.nextName('sink');
        const topic = typeof destination === 'string' ? { topic: destination } : destination;
        this.dsl.builder.add({
          kind: 'topic-sink',
          name,
          operator: 'topic-sink',
          parents: [this.nodeName],
          ...topic,
        });
      }
    }
  }

  /**
   * Samples and, as a last resort, sheds records under overload (processors/sampler.ts): `kept` are
   * the records kept, each with what its weight needs (Horvitz–Thompson); `ledger` what was kept,
   * sampled out and shed per minute and lane, emitted at every commit. The lanes and shedding policy
   * are the application's overload control's (docs/overload.md); while it is off or unpressed every
   * rate is 1 and every record is kept with weight 1.
   */
  sample(
    options: Omit<SamplerOptions<V>, 'keptChild' | 'ledgerChild'> & SamplingSpec,
    named?: Named,
  ): { kept: KStream<K, Sampled<V>>; ledger: KStream<string, SampleLedgerEntry> } {
    const name = this.dsl.builder.nextName('sample', named?.name);
    const keptChild = `${name}-kept`;
    const ledgerChild = `${name}-ledger`;
    const { lanes, policy, ...sampler } = options;
    this.dsl.builder.add({
      kind: 'processor',
      name,
      operator: 'sample',
      parents: [this.nodeName],
      supplier: samplerProcessor<K, V>({ ...sampler, keptChild, ledgerChild }) as ProcessorSupplier,
      stores: [],
      changesKey: false,
      sampling: { lanes, policy },
    });
    for (const [child, changesKey] of [
      [keptChild, false],
      [ledgerChild, true],
    ] as const)
      this.dsl.builder.add({
        kind: 'processor',
        name: child,
        operator: 'branch',
        parents: [name],
        supplier: passThroughProcessor() as ProcessorSupplier,
        stores: [],
        changesKey,
      });
    return {
      kept: this.dsl.streamOf<K, Sampled<V>>(keptChild, this.keyChanged),
      ledger: this.dsl.streamOf<string, SampleLedgerEntry>(ledgerChild, true),
    };
  }

  /** A low-level processor of your own (the Processor API), with the stores it uses. */
  process<K2, V2>(
    supplier: ProcessorSupplier<K, V, K2, V2>,
    options: Named & { stores?: string[]; changesKey?: boolean } = {},
  ): KStream<K2, V2> {
    return this.addProcessor('process', supplier as ProcessorSupplier, options);
  }
}
