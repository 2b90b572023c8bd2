import type { StreamRecord } from '../../processors/api/record';
import { DecodeError } from '../../schemas/serde/decode-error';
import type { BufferedRecord } from '../flow/event-time-buffer';
import type { ConsumedRecord } from '../kafka/transport';
import type { SourceDecoders } from './source-decoders';
import type { ActiveTask } from './task-manager';

/** A fetched record waiting for its turn in event-time order: decoded, or the reason it cannot be. */
export interface PendingRecord extends BufferedRecord {
  consumed: ConsumedRecord;
  active: ActiveTask;
  record?: StreamRecord;
  undecodable?: DecodeError;
}

/**
 * A fetched record decoded (or the reason it cannot be) with its event time, ready to wait for its
 * turn. An undecodable record, or one whose event time is later than `latestTrustedEventTime` (the
 * wall clock plus the allowed lead, computed once per batch), is ordered first: it goes to the DLQ at its turn and must not decide the
 * order of the others.
 */
export function pendingRecord(
  consumed: ConsumedRecord,
  active: ActiveTask,
  decoders: SourceDecoders,
  latestTrustedEventTime: number,
): PendingRecord {
  // One object literal of one shape per record (no spreads): this runs for every fetched record.
  let decoded: { key: unknown; value: unknown };
  try {
    decoded = decoders.decode(consumed);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return {
      topic: consumed.topic,
      partition: consumed.partition,
      offset: consumed.offset,
      eventTime: Number.NEGATIVE_INFINITY,
      consumed,
      active,
      record: undefined,
      undecodable: error,
    };
  }
  const record: StreamRecord = {
    key: decoded.key,
    value: decoded.value,
    timestamp: consumed.timestamp,
    headers: consumed.headers,
    source: { topic: consumed.topic, partition: consumed.partition, offset: String(consumed.offset) },
  };
  const eventTime = active.task.eventTimeOf(consumed.topic, record);
  return {
    topic: consumed.topic,
    partition: consumed.partition,
    offset: consumed.offset,
    eventTime: eventTime > latestTrustedEventTime ? Number.NEGATIVE_INFINITY : eventTime,
    consumed,
    active,
    record,
    undecodable: undefined,
  };
}
