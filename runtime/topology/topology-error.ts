import { ReelstreamError } from '../../core/errors';

/**
 * A topology that cannot be built: duplicate names, a missing store or predecessor, inputs that are
 * not co-partitioned. Thrown at build time, before any record flows, and naming the node at fault.
 */
export class TopologyError extends ReelstreamError {
  readonly problems: readonly string[];

  constructor(topology: string, problems: readonly string[]) {
    super(`topology "${topology}" is invalid:\n  - ${problems.join('\n  - ')}`, { retriable: false });
    this.problems = problems;
  }
}
