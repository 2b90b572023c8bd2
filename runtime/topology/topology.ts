import type { ProcessorSupplier } from '../../processors/api/processor';
import type { StoreSpec } from '../state/store-spec';
import type { TimestampExtractor } from './logical-node';
import type { SchemaName } from '../../schemas/catalog';
import type { SamplingSpec } from '../flow/sampling-controller';
import type { SinkDescriptor } from './sink-descriptor';

/**
 * The frozen physical topology: what the runtime and the test driver execute. Built once by
 * buildTopology(); every object in it is frozen, so a running application cannot be altered.
 */
export interface PhysicalNode {
  readonly name: string;
  readonly kind: 'source' | 'processor' | 'topic-sink' | 'adapter-sink';
  readonly operator: string;
  readonly parents: readonly string[];
  readonly children: readonly string[];
  readonly stores: readonly string[];
  /** Source: the topics it reads. Topic sink: the one topic it writes. */
  readonly topics: readonly string[];
  readonly internalTopic: boolean;
  readonly supplier?: ProcessorSupplier;
  readonly timestampExtractor?: TimestampExtractor;
  readonly sink?: SinkDescriptor;
  readonly global: boolean;
  /**
   * Source: priority per topic (lanes); topics without one have priority 0. Repartition sink fed by
   * lanes: the topic of each lane, a record going to its lane's (runtime/topology/repartition-lanes.ts).
   */
  readonly lanes?: Readonly<Record<string, number>>;
  /** Source: Avro values of this catalog schema; topic sink: values written as Avro of it. Default JSON. */
  readonly valueSchema?: SchemaName;
  /** Source: a null value is passed on (a delete) instead of going to the DLQ. */
  readonly tombstones?: boolean;
  /** Source: false when its event times trail live by design; they do not count toward overload pressure. */
  readonly lagSignal?: boolean;
  /** A sampler: the lanes the application's overload control adapts, and its shedding policy. */
  readonly sampling?: SamplingSpec;
  /** A windowed aggregation: how late in event time a record may still come (its windows' grace). */
  readonly graceMs?: number;
}

export interface PhysicalStore extends StoreSpec {
  /** `<application>-<store>-changelog`, or undefined for stores without a changelog. */
  readonly changelogTopic?: string;
}

/** Nodes connected by records (not by topics): a task runs one sub-topology for one partition. */
export interface Subtopology {
  readonly id: number;
  readonly nodes: readonly string[];
  readonly sourceTopics: readonly string[];
  readonly stores: readonly string[];
  readonly global: boolean;
}

/**
 * The service an application gives: `realtime` (the default: a dashboard waits for it),
 * `background` (its results may lag while a realtime application of the same process is behind:
 * a historical store that Kafka buffers for; runtime/flow/service-gate.ts) or `priority` (realtime,
 * and its latency comes before the others' throughput: `reelstream run` gives it a process of its own
 * and runs the other applications at a lower CPU priority; cli/run/cpu-priority.ts).
 */
export type ServiceClass = 'realtime' | 'background' | 'priority';

export interface Topology {
  readonly name: string;
  /** Absent: realtime. */
  readonly service?: ServiceClass;
  /** The application's own commit cycle (a short one bounds its latency); absent: the configured one. */
  readonly commitIntervalMs?: number;
  readonly nodes: ReadonlyMap<string, PhysicalNode>;
  readonly stores: ReadonlyMap<string, PhysicalStore>;
  readonly subtopologies: readonly Subtopology[];
  /** Groups of source topics that must have equal partition counts (joined inputs). */
  readonly coPartitionGroups: readonly (readonly string[])[];
  /** Topics the application creates itself: repartition and changelog topics. */
  readonly internalTopics: readonly string[];
  readonly sourceTopics: readonly string[];
  readonly sinkTopics: readonly string[];
}
