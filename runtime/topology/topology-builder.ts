import type { StoreSpec } from '../state/store-spec';
import type { LogicalNode } from './logical-node';

/**
 * Records the logical graph as the DSL is called. It checks nothing: every problem is collected and
 * reported by the build step at once, each naming its node. Node names are deterministic — an
 * operator prefix and a counter in call order (`filter-0003`) — unless the user names the node,
 * because store, changelog and repartition topic names derive from them and must not move when an
 * unrelated operator is added elsewhere... as long as the order of calls stays the same.
 */
export class TopologyBuilder {
  readonly nodes: LogicalNode[] = [];
  readonly stores: StoreSpec[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  nextName(prefix: string, override?: string): string {
    const index = this.counter++;
    return override ?? `${prefix}-${String(index).padStart(4, '0')}`;
  }

  add<N extends LogicalNode>(node: N): N {
    this.nodes.push(node);
    return node;
  }

  addStore(spec: StoreSpec): StoreSpec {
    this.stores.push(spec);
    return spec;
  }
}
