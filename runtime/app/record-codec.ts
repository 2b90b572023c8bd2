import { Packr } from 'msgpackr';

/**
 * How the runtime turns keys and values into bytes until topologies declare serdes per topic.
 * - Source keys are UTF-8 strings (as most producers write them) and source values JSON (Avro per
 *   topic through schemas/serde, where the topology names a schema).
 * - Output topics a topology writes with `.to(topic)` carry JSON keys and values: other programs read them.
 * - The topics only the application reads (repartition and changelog topics) carry MessagePack:
 *   compact and cheaper to encode and decode than JSON, and any key type survives a round trip.
 *   Plain MessagePack (no shared record structures), so every process and restart reads what any
 *   other wrote, and the same key always gives the same bytes (compaction compares key bytes).
 */
const internal = new Packr({
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  // An aggregate may be an object of more than 65,535 keys (msgpackr's fast path stops there).
  variableMapSize: true,
});

export function encodeJson(value: unknown): Buffer | null {
  return value === null || value === undefined ? null : Buffer.from(JSON.stringify(value));
}

export function decodeJson(bytes: Buffer | null): unknown {
  return bytes === null ? null : (JSON.parse(bytes.toString('utf8')) as unknown);
}

export function encodeInternal(value: unknown): Buffer | null {
  return value === null || value === undefined ? null : internal.pack(value);
}

export function decodeInternal(bytes: Buffer | null): unknown {
  return bytes === null ? null : (internal.unpack(bytes) as unknown);
}

export function decodeSourceKey(bytes: Buffer | null): string | null {
  return bytes === null ? null : bytes.toString('utf8');
}
