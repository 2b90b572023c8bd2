import { fitDeadLetter, deadLetterMessage, type DeadLetterSource } from '../dlq/dead-letter-message';
import type { ProducedRecord } from '../kafka/transport';
import { deadLetters } from '../metrics';
import { dlqTopic } from '../naming';

/** The DLQ's record limit when the application creates the topic; sources default to the broker's 1 MiB. */
export const DLQ_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface DeadLetterDetails {
  /** `reelstream.error.reason`: late, processing-error, sink-refused, future-event-time, a decode reason. */
  reason: string;
  node?: string;
  sink?: string;
  schemaId?: number;
}

/**
 * Everything that leaves the normal flow goes through here to `<application>.dlq`: the original key
 * and bytes with headers naming the error and the source coordinates, counted by reason, and sized
 * to what the DLQ topic accepts. `send` is the application's record path, so a dead letter is part
 * of the transaction of the batch that produced it.
 */
export class DeadLetterQueue {
  readonly topic: string;
  private maxBytes = DLQ_MAX_MESSAGE_BYTES;

  constructor(
    private readonly applicationId: string,
    private readonly send: (record: ProducedRecord) => void,
  ) {
    this.topic = dlqTopic(applicationId);
  }

  /** The DLQ topic's max.message.bytes, read at start (an older DLQ may have the broker's default). */
  limitTo(maxBytes: number): void {
    this.maxBytes = maxBytes;
  }

  route(source: DeadLetterSource, error: Error, details: DeadLetterDetails): void {
    deadLetters.inc({ application: this.applicationId, kind: details.reason });
    const message = fitDeadLetter(deadLetterMessage(source, error, details), this.maxBytes);
    this.send({
      topic: this.topic,
      key: message.key,
      value: message.value,
      headers: message.headers,
    });
  }
}
