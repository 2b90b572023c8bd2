import { buildTopology } from '../topology/build-topology';
import { describeTopology, type DescribeFormat } from '../topology/describe';
import type { Topology } from '../topology/topology';
import { StreamsBuilder } from './streams-builder';

export interface DefinedTopology extends Topology {
  describe(format?: DescribeFormat): string;
}

/**
 * Declares a topology and builds it at once: DSL calls record the logical graph, then the build
 * validates, lowers and freezes it. A mistake fails here, when the module is loaded, with a
 * TopologyError naming the node — not when the first record arrives.
 *
 *   export default defineTopology('playback-analytics', (b) => { b.stream('playback.events')... });
 */
export function defineTopology(name: string, declare: (builder: StreamsBuilder) => void): DefinedTopology {
  const builder = new StreamsBuilder(name);
  declare(builder);
  const topology = buildTopology(builder.builder);
  const defined: DefinedTopology = Object.assign(Object.create(null) as object, topology, {
    describe: (format: DescribeFormat = 'text') => describeTopology(topology, format),
  });
  return Object.freeze(defined);
}
