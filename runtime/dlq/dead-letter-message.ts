import { createHash } from 'node:crypto';
import { ReelstreamError } from '../../core/errors';

/** The headers every DLQ record carries (see docs/runtime.md): what failed, why, and where the record came from. */
export const DLQ_HEADERS = {
  errorClass: 'reelstream.error.class',
  errorMessage: 'reelstream.error.message',
  reason: 'reelstream.error.reason',
  sourceTopic: 'reelstream.source.topic',
  sourcePartition: 'reelstream.source.partition',
  sourceOffset: 'reelstream.source.offset',
  schemaId: 'reelstream.schema.id',
  node: 'reelstream.node',
  sink: 'reelstream.sink',
  /** Set when the original was larger than the DLQ accepts: the record then holds a reference to it. */
  originalOmitted: 'reelstream.original.omitted',
  originalBytes: 'reelstream.original.bytes',
  originalSha256: 'reelstream.original.sha256',
} as const;

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  /** The original bytes, exactly as read: a DLQ record can be replayed once the cause is fixed. */
  value: Buffer | null;
  headers?: Record<string, string>;
}

export interface DeadLetterMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** A DLQ record for `<application>.dlq`: original key and bytes, original headers kept, error headers added. */
export function deadLetterMessage(
  source: DeadLetterSource,
  error: Error,
  details: { reason?: string; schemaId?: number; node?: string; sink?: string } = {},
): DeadLetterMessage {
  const headers: Record<string, string> = { ...(source.headers ?? {}) };
  headers[DLQ_HEADERS.errorClass] = error instanceof ReelstreamError ? error.name : error.constructor.name;
  headers[DLQ_HEADERS.errorMessage] = error.message.slice(0, 2_000);
  if (details.reason) headers[DLQ_HEADERS.reason] = details.reason;
  headers[DLQ_HEADERS.sourceTopic] = source.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(source.partition);
  headers[DLQ_HEADERS.sourceOffset] = source.offset;
  if (details.schemaId !== undefined) headers[DLQ_HEADERS.schemaId] = String(details.schemaId);
  if (details.node) headers[DLQ_HEADERS.node] = details.node;
  if (details.sink) headers[DLQ_HEADERS.sink] = details.sink;
  return { key: source.key, value: source.value, headers };
}

/** What a record costs against a topic's max.message.bytes, besides the batch framing. */
function sizeOf(message: DeadLetterMessage): number {
  let bytes = (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const [name, value] of Object.entries(message.headers))
    bytes += name.length + (value === undefined ? 0 : String(value).length) + 8;
  return bytes;
}

/** Room left for the record batch's own framing within the topic's limit. */
const FRAMING_BYTES = 16 * 1024;

/**
 * A dead letter the DLQ topic accepts: an original too large for it (a value larger than the DLQ's
 * max.message.bytes) is stored by reference — its size, SHA-256 and source coordinates, which stay
 * in the headers — so the refusal of one huge record cannot stop the pipeline. The original is still
 * in its source topic at those coordinates.
 */
export function fitDeadLetter(message: DeadLetterMessage, maxBytes: number): DeadLetterMessage {
  if (sizeOf(message) + FRAMING_BYTES <= maxBytes) return message;
  const original = Buffer.concat([message.key ?? Buffer.alloc(0), message.value ?? Buffer.alloc(0)]);
  const headers: Record<string, string> = { ...message.headers };
  headers[DLQ_HEADERS.originalOmitted] =
    `larger than the DLQ's limit of ${maxBytes} bytes: read it at its source coordinates`;
  headers[DLQ_HEADERS.originalBytes] = String(original.length);
  headers[DLQ_HEADERS.originalSha256] = createHash('sha256').update(original).digest('hex');
  const reference = {
    omitted: 'original too large for the DLQ',
    keyBytes: message.key?.length ?? 0,
    valueBytes: message.value?.length ?? 0,
    sha256: headers[DLQ_HEADERS.originalSha256],
    topic: headers[DLQ_HEADERS.sourceTopic],
    partition: headers[DLQ_HEADERS.sourcePartition],
    offset: headers[DLQ_HEADERS.sourceOffset],
  };
  const key = message.key && message.key.length <= 1024 ? message.key : null;
  return { key, value: Buffer.from(JSON.stringify(reference)), headers };
}
