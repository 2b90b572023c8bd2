import { DecodeError } from '../../schemas/serde/decode-error';
import { decodeFailures } from '../metrics';
import { deadLetterMessage, type DeadLetterMessage, type DeadLetterSource } from './dead-letter-message';

export interface Decoder<T> {
  prepare?(values: readonly (Buffer | null | undefined)[]): Promise<void>;
  decode(value: Buffer | null | undefined): T;
}

export interface DecodedRecord<T> {
  source: DeadLetterSource;
  value: T;
}

export interface DecodedBatch<T> {
  good: DecodedRecord<T>[];
  deadLetters: DeadLetterMessage[];
}

/**
 * Decodes one fetched batch: resolves writer schemas once (the only await), then decodes each record
 * synchronously. A record that fails goes to the DLQ list with its reason and is counted; the batch
 * goes on. Anything but a DecodeError (a registry outage, a bug) propagates: waiting or failing
 * beats dead-lettering good records.
 */
export async function decodeBatch<T>(
  messages: readonly DeadLetterSource[],
  decoder: Decoder<T>,
): Promise<DecodedBatch<T>> {
  await decoder.prepare?.(messages.map((message) => message.value));
  const batch: DecodedBatch<T> = { good: [], deadLetters: [] };
  for (const message of messages) {
    try {
      batch.good.push({ source: message, value: decoder.decode(message.value) });
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      decodeFailures.inc({ topic: message.topic, reason: error.reason });
      batch.deadLetters.push(deadLetterMessage(message, error, { reason: error.reason, schemaId: error.schemaId }));
    }
  }
  return batch;
}
