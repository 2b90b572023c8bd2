import type { Message } from 'node-rdkafka';
import type { ConsumedRecord } from '../transport';

/** node-rdkafka's messages as the runtime's records. */
export function toRecord(message: Message): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const header of message.headers ?? [])
    for (const [name, value] of Object.entries(header)) headers[name] = String(value);
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key:
      message.key === undefined || message.key === null
        ? null
        : Buffer.isBuffer(message.key)
          ? message.key
          : Buffer.from(message.key),
    value: message.value ?? null,
    timestamp: message.timestamp ?? Date.now(),
    headers,
  };
}
