import { toMillis, type Duration } from '../../processors/duration';
import { TopologyError } from '../topology/topology-error';
import { buildTopology } from '../topology/build-topology';
import { describeTopology, type DescribeFormat } from '../topology/describe';
import type { ServiceClass, Topology } from '../topology/topology';
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
 *
 * `service: 'background'` declares results that may lag while a realtime application of the same
 * process is behind (a historical store): it then yields the process to it. `service: 'priority'`
 * declares one whose latency comes first: `reelstream run` gives it a process of its own.
 * `commitInterval` gives the application a commit cycle of its own (its results reach sinks at
 * commits, so a short one bounds its latency); `--commit-interval` still overrides it.
 */
export function defineTopology(
  name: string,
  declare: (builder: StreamsBuilder) => void,
  options: { service?: ServiceClass; commitInterval?: Duration } = {},
): DefinedTopology {
  const commitIntervalMs =
    options.commitInterval === undefined ? undefined : toMillis(options.commitInterval, 'commitInterval');
  if (commitIntervalMs !== undefined && !(commitIntervalMs >= 1))
    throw new TopologyError(name, [`commitInterval must be at least 1 ms, not ${commitIntervalMs}`]);
  const builder = new StreamsBuilder(name);
  declare(builder);
  const topology = buildTopology(builder.builder);
  const defined: DefinedTopology = Object.assign(Object.create(null) as object, topology, {
    ...(options.service ? { service: options.service } : {}),
    ...(commitIntervalMs === undefined ? {} : { commitIntervalMs }),
    describe: (format: DescribeFormat = 'text') => describeTopology(topology, format),
  });
  return Object.freeze(defined);
}
