import { ReelstreamError } from '../../core/errors';

/** Why a record could not be decoded; the DLQ header and the per-reason metric carry it. */
export type DecodeFailure =
  | 'null-value'
  | 'oversized'
  | 'wrong-magic-byte'
  | 'truncated'
  | 'unknown-schema-id'
  | 'incompatible-writer-schema'
  | 'invalid-avro'
  | 'invalid-json';

/**
 * A record the serde cannot turn into a value. Never retriable: the same bytes fail the same way,
 * so the record goes to the DLQ and processing continues. (A registry that is down is a
 * ServiceUnavailableError instead: the pipeline waits, it does not dead-letter.)
 */
export class DecodeError extends ReelstreamError {
  constructor(
    readonly reason: DecodeFailure,
    message: string,
    readonly schemaId?: number,
    cause?: unknown,
  ) {
    super(message, { retriable: false, cause });
  }
}

/** A value that does not match the schema it is to be written with; names the offending paths. */
export class EncodeError extends ReelstreamError {
  constructor(
    message: string,
    readonly paths: readonly string[],
  ) {
    super(message, { retriable: false });
  }
}
