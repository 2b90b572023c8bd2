import type { SessionWindowSpec, TimeWindowSpec } from '../../processors/windows';
import type { ProcessorSupplier } from '../../processors/api/processor';
import { passThroughProcessor } from '../../processors/pass-through';
import { tableSourceProcessor } from '../../processors/table-source';
import type { TimestampExtractor } from '../topology/logical-node';
import type { SchemaName } from '../../schemas/catalog';
import { TopologyBuilder } from '../topology/topology-builder';
import { TopologyError } from '../topology/topology-error';
import type { DslContext, Named } from './dsl-context';
import { GlobalKTable } from './global-ktable';
import { KGroupedStream } from './kgrouped-stream';
import { KStream } from './kstream';
import { KTable } from './ktable';
import type { StoreOptions } from './store-options';
import { SessionWindowedKStream, TimeWindowedKStream } from './windowed-kstream';

export interface SourceOptions<V> extends Named {
  /** Event time from the value; default: the Kafka record's timestamp. */
  timestamp?: TimestampExtractor<V>;
  /** The topic's partition count, when known: joins check co-partitioning at build time. */
  partitions?: number;
  /**
   * Priority lanes (see docs/runtime.md): topic → priority, for a stream read from several topics (one per
   * tier). Under backpressure lower priorities are paused first; unlisted topics have priority 0.
   */
  lanes?: Record<string, number>;
  /** Values are Avro in the Confluent wire format, read into this schemas/ catalog schema. Default JSON. */
  valueSchema?: SchemaName;
  /**
   * A null value (a tombstone on a compacted topic) is passed on as null instead of going to the
   * DLQ — for a stream that reads a compacted topic's deletes itself (tables always do).
   */
  tombstones?: boolean;
  /**
   * False for a source of derived records whose event times trail live by design (window results
   * stamped with their window): they do not count toward the overload control's lag and event→sink
   * signals (docs/overload.md). Default true.
   */
  lagSignal?: boolean;
}

export interface TableOptions<V> extends SourceOptions<V>, StoreOptions {
  /** Keeps the stored value unless the candidate is newer (e.g. by a monotonic `version`). */
  isNewer?: (candidate: V, current: V) => boolean;
  /**
   * The value's version (a catalog's monotonic `version`): an update wins only with a higher version
   * than the stored one (unless `isNewer` decides), and a tombstone carrying its version in the
   * `tombstoneVersionHeader` header deletes only a value of that version or older — a stale delete
   * cannot win, and an update older than a delete cannot bring the key back.
   */
  version?: (value: V) => number;
  /** The header a tombstone carries its version in (default `version`). */
  tombstoneVersionHeader?: string;
}

/**
 * The entry point of the DSL: declares sources and hands out the stream/table classes.
 * `defineTopology` gives you one; you do not build it yourself.
 */
export class StreamsBuilder implements DslContext {
  readonly builder: TopologyBuilder;

  constructor(name: string) {
    this.builder = new TopologyBuilder(name);
  }

  /** A record stream from one topic, or from several read as one (e.g. tier lanes). */
  stream<K, V>(topics: string | string[], options: SourceOptions<V> = {}): KStream<K, V> {
    const name = this.builder.nextName('source', options.name);
    const topicList = Array.isArray(topics) ? topics : [topics];
    const badLanes = Object.entries(options.lanes ?? {}).filter(
      ([topic, priority]) => !topicList.includes(topic) || !Number.isFinite(priority),
    );
    if (badLanes.length > 0)
      throw new TopologyError(
        this.builder.name,
        badLanes.map(
          ([topic, priority]) =>
            `source "${name}": lane "${topic}" (priority ${priority}) must be one of its topics (${topicList.join(', ')}) with a finite priority`,
        ),
      );
    this.builder.add({
      kind: 'source',
      name,
      operator: 'source',
      parents: [],
      topics: topicList,
      timestampExtractor: options.timestamp as TimestampExtractor | undefined,
      partitions: options.partitions,
      global: false,
      ...(options.lanes ? { lanes: Object.freeze({ ...options.lanes }) } : {}),
      ...(options.valueSchema ? { valueSchema: options.valueSchema } : {}),
      ...(options.tombstones ? { tombstones: true } : {}),
      ...(options.lagSignal === false ? { lagSignal: false } : {}),
    });
    return new KStream<K, V>(this, name);
  }

  /** A compacted topic as a table: the latest value per key, tombstones delete. Co-partitioned joins only. */
  table<K, V>(topic: string, options: TableOptions<V> = {}): KTable<K, V> {
    const { storeName, materializeName } = this.addTableSource(topic, options, false);
    return new KTable<K, V>(this, materializeName, storeName);
  }

  streamOf<K, V>(nodeName: string, keyChanged = false): KStream<K, V> {
    return new KStream<K, V>(this, nodeName, keyChanged);
  }

  tableOf<K, V>(nodeName: string, storeName: string | undefined): KTable<K, V> {
    return new KTable<K, V>(this, nodeName, storeName);
  }

  /** A compacted topic held in full by every instance; join it on a key computed from the stream record. */
  globalTable<K, V>(topic: string, options: TableOptions<V> = {}): GlobalKTable<K, V> {
    const { storeName, materializeName } = this.addTableSource(topic, options, true);
    return new GlobalKTable<K, V>(materializeName, storeName);
  }

  private addTableSource<V>(topic: string, options: TableOptions<V>, global: boolean) {
    const sourceName = this.builder.nextName(global ? 'global-source' : 'table-source', options.name);
    const materializeName = `${sourceName}-materialize`;
    const storeName = options.store ?? `${sourceName}-store`;
    this.builder.add({
      kind: 'source',
      name: sourceName,
      operator: global ? 'global-source' : 'table-source',
      parents: [],
      topics: [topic],
      timestampExtractor: options.timestamp as TimestampExtractor | undefined,
      ...(options.valueSchema ? { valueSchema: options.valueSchema } : {}),
      partitions: options.partitions,
      global,
    });
    this.builder.addStore({
      name: storeName,
      type: 'key-value',
      // A table's own topic is compacted: it is the changelog, and restore reads it (as Kafka Streams'
      // source-topic optimization); a global table is always rebuilt from its topic.
      changelog: false,
      caching: !global && (options.caching ?? true),
      global,
    });
    // A versioned table remembers the versions of deleted keys beside it, built and rebuilt as it is.
    const deletesStore = options.version ? `${storeName}-deletes` : undefined;
    if (deletesStore)
      this.builder.addStore({ name: deletesStore, type: 'key-value', changelog: false, caching: false, global });
    this.builder.add({
      kind: 'processor',
      name: materializeName,
      operator: 'materialize',
      parents: [sourceName],
      supplier: tableSourceProcessor<unknown, V>(
        storeName,
        {
          isNewer: options.isNewer,
          version: options.version,
          tombstoneVersionHeader: options.tombstoneVersionHeader,
        },
        deletesStore,
      ) as ProcessorSupplier,
      stores: deletesStore ? [storeName, deletesStore] : [storeName],
      changesKey: false,
    });
    return { sourceName, storeName, materializeName };
  }

  /** A state store for your own processors (`stream.process(supplier, { stores: [name] })`). */
  addStore(
    name: string,
    options: { type?: 'key-value' | 'window'; changelog?: boolean; caching?: boolean } = {},
  ): string {
    this.builder.addStore({
      name,
      type: options.type ?? 'key-value',
      changelog: options.changelog ?? true,
      caching: options.caching ?? true,
      global: false,
    });
    return name;
  }

  grouped<K, V>(nodeName: string): KGroupedStream<K, V> {
    return new KGroupedStream<K, V>(this, nodeName);
  }

  timeWindowed<K, V>(nodeName: string, windows: TimeWindowSpec): TimeWindowedKStream<K, V> {
    return new TimeWindowedKStream<K, V>(this, nodeName, windows);
  }

  sessionWindowed<K, V>(nodeName: string, windows: SessionWindowSpec): SessionWindowedKStream<K, V> {
    return new SessionWindowedKStream<K, V>(this, nodeName, windows);
  }

  /** A pass-through processor, e.g. to name a point in the graph. */
  static readonly passThrough = passThroughProcessor;
}
