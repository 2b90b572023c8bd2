import { ReelstreamError } from '../../core/errors';

/** A processor threw while handling a record. Not retriable: the same record would throw again. */
export class ProcessingError extends ReelstreamError {
  constructor(
    readonly node: string,
    cause: unknown,
  ) {
    super(`processor "${node}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      retriable: false,
      cause,
    });
  }
}
