import type { Windowed } from '../../processors/api/record';
import type { SessionWindowSpec, TimeWindowSpec } from '../../processors/windows';
import type { TopologyBuilder } from '../topology/topology-builder';
import type { KGroupedStream } from './kgrouped-stream';
import type { KStream } from './kstream';
import type { KTable } from './ktable';
import type { SessionWindowedKStream, TimeWindowedKStream } from './windowed-kstream';

/**
 * How the DSL classes create one another without importing one another (which would be a cycle):
 * the StreamsBuilder implements this and hands itself to every class it creates.
 */
export interface DslContext {
  readonly builder: TopologyBuilder;
  streamOf<K, V>(nodeName: string, keyChanged?: boolean): KStream<K, V>;
  tableOf<K, V>(nodeName: string, storeName: string | undefined): KTable<K, V>;
  grouped<K, V>(nodeName: string): KGroupedStream<K, V>;
  timeWindowed<K, V>(nodeName: string, windows: TimeWindowSpec): TimeWindowedKStream<K, V>;
  sessionWindowed<K, V>(nodeName: string, windows: SessionWindowSpec): SessionWindowedKStream<K, V>;
}

/** Names a node (and so the stores and internal topics derived from it) instead of the generated name. */
export interface Named {
  name?: string;
}

export type WindowedKey<K> = Windowed<K>;
