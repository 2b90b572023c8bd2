import type { ProcessorSupplier } from '../../processors/api/processor';
import type { SchemaName } from '../../schemas/catalog';
import type { SamplingSpec } from '../flow/sampling-controller';
import type { SinkDescriptor } from './sink-descriptor';

/** Extracts a record's event time (ms) from its value; defaults to the Kafka record timestamp. */
export type TimestampExtractor<V = unknown> = (value: V, recordTimestamp: number) => number;

/**
 * A node of the logical graph the DSL records. DSL methods only create these; the build step
 * validates them, lowers repartition nodes into a sink/source pair, and freezes the result.
 */
export type LogicalNode = SourceNode | ProcessorNode | RepartitionNode | TopicSinkNode | AdapterSinkNode;

interface NodeBase {
  readonly name: string;
  /** The operator shown by describe(), e.g. `filter`, `window-aggregate`. */
  readonly operator: string;
  readonly parents: readonly string[];
}

export interface SourceNode extends NodeBase {
  readonly kind: 'source';
  readonly topics: readonly string[];
  readonly timestampExtractor?: TimestampExtractor;
  /** Declared partition count, when known: lets the build check co-partitioning early. */
  readonly partitions?: number;
  /** Feeds a global table: read in full by every instance, outside the tasks. */
  readonly global: boolean;
  /** Priority lanes: topic → priority (higher is served longer under backpressure). */
  readonly lanes?: Readonly<Record<string, number>>;
  /** Values are Avro (Confluent wire format) of this schemas/ catalog entry; default JSON. */
  readonly valueSchema?: SchemaName;
  /** Source: a null value is passed on (a delete) instead of going to the DLQ. */
  readonly tombstones?: boolean;
  /** Source: false when its event times trail live by design; they do not count toward overload pressure. */
  readonly lagSignal?: boolean;
}

export interface ProcessorNode extends NodeBase {
  readonly kind: 'processor';
  readonly supplier: ProcessorSupplier;
  readonly stores: readonly string[];
  /** This operator sets a new key (map, selectKey, flatMap): grouping or joining later needs a repartition. */
  readonly changesKey: boolean;
  /** Joins whose inputs must be co-partitioned: the names of the nodes whose inputs are joined. */
  readonly coPartitionedWith?: readonly string[];
  /** For a join against a non-global table: fail the build if the stream side's key was changed. */
  readonly requiresOriginalKey?: boolean;
  /** A sampler: the lanes the application's overload control adapts, and its shedding policy. */
  readonly sampling?: SamplingSpec;
  /** A windowed aggregation: how late in event time a record may still come (its windows' grace). */
  readonly graceMs?: number;
}

/** A grouping that must move records to the partition of their new key (a `<app>-<name>-repartition` topic). */
export interface RepartitionNode extends NodeBase {
  readonly kind: 'repartition';
  readonly partitions?: number;
}

export interface TopicSinkNode extends NodeBase {
  readonly kind: 'topic-sink';
  readonly topic: string;
  /** Values are written as Avro (Confluent wire format) of this schemas/ catalog entry; default JSON. */
  readonly valueSchema?: SchemaName;
}

export interface AdapterSinkNode extends NodeBase {
  readonly kind: 'adapter-sink';
  readonly sink: SinkDescriptor;
}
