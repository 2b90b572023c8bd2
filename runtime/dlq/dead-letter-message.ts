import type { IHeaders } from 'kafkajs';
import { ReelstreamError } from '../errors';

/** The headers every DLQ record carries (DESIGN §4): what failed, why, and where the record came from. */
export const DLQ_HEADERS = {
  errorClass: 'reelstream.error.class',
  errorMessage: 'reelstream.error.message',
  reason: 'reelstream.error.reason',
  sourceTopic: 'reelstream.source.topic',
  sourcePartition: 'reelstream.source.partition',
  sourceOffset: 'reelstream.source.offset',
  schemaId: 'reelstream.schema.id',
  node: 'reelstream.node',
} as const;

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  /** The original bytes, exactly as read: a DLQ record can be replayed once the cause is fixed. */
  value: Buffer | null;
  headers?: IHeaders;
}

export interface DeadLetterMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/** A DLQ record for `<application>.dlq`: original key and bytes, original headers kept, error headers added. */
export function deadLetterMessage(
  source: DeadLetterSource,
  error: Error,
  details: { reason?: string; schemaId?: number; node?: string } = {},
): DeadLetterMessage {
  const headers: IHeaders = { ...(source.headers ?? {}) };
  headers[DLQ_HEADERS.errorClass] = error instanceof ReelstreamError ? error.name : error.constructor.name;
  headers[DLQ_HEADERS.errorMessage] = error.message.slice(0, 2_000);
  if (details.reason) headers[DLQ_HEADERS.reason] = details.reason;
  headers[DLQ_HEADERS.sourceTopic] = source.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(source.partition);
  headers[DLQ_HEADERS.sourceOffset] = source.offset;
  if (details.schemaId !== undefined) headers[DLQ_HEADERS.schemaId] = String(details.schemaId);
  if (details.node) headers[DLQ_HEADERS.node] = details.node;
  return { key: source.key, value: source.value, headers };
}
