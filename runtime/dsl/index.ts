/** The public DSL: what a topology module imports. */
export { defineTopology, type DefinedTopology } from './define-topology';
export { StreamsBuilder, type SourceOptions, type TableOptions } from './streams-builder';
export { avroTopic, KStream, type AvroTopic, type Destination } from './kstream';
export { KTable } from './ktable';
export { GlobalKTable } from './global-ktable';
export { KGroupedStream } from './kgrouped-stream';
export { TimeWindowedKStream, SessionWindowedKStream } from './windowed-kstream';
export { sinkDescriptor, redisWindows, clickhouseRows } from './sinks';
export type { StoreOptions, EmitOptions, WindowedAggregateOptions } from './store-options';
export { tumbling, hopping, session } from '../../processors/windows';
export type { StreamRecord, Windowed, WindowResult, Change } from '../../processors/api/record';
export type { Processor, ProcessorContext, ProcessorSupplier } from '../../processors/api/processor';
export type { KeyValueStore, WindowStore } from '../../processors/api/stores';
