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
 * turn. An undecodable record, or one whose event time runs further ahead of the wall clock than
 * `maxEventTimeAheadMs`, is ordered first: it goes to the DLQ at its turn and must not decide the
 * order of the others.
 */
export function pendingRecord(
  consumed: ConsumedRecord,
  active: ActiveTask,
  decoders: SourceDecoders,
  maxEventTimeAheadMs: number,
): PendingRecord {
  const base = { topic: consumed.topic, partition: consumed.partition, offset: consumed.offset, consumed, active };
  let decoded: { key: unknown; value: unknown };
  try {
    decoded = decoders.decode(consumed);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return { ...base, eventTime: Number.NEGATIVE_INFINITY, undecodable: error };
  }
  const record: StreamRecord = {
    key: decoded.key,
    value: decoded.value,
    timestamp: consumed.timestamp,
    source: { topic: consumed.topic, partition: consumed.partition, offset: String(consumed.offset) },
  };
  const eventTime = active.task.eventTimeOf(consumed.topic, record);
  const latestTrusted = Date.now() + maxEventTimeAheadMs;
  return { ...base, record, eventTime: eventTime > latestTrusted ? Number.NEGATIVE_INFINITY : eventTime };
}
