/**
 * How the runtime turns keys and values into bytes until topologies declare serdes per topic:
 * source keys are UTF-8 strings (as most producers write them) and values JSON; the topics the
 * application owns (repartition, changelog, outputs) carry JSON keys and values, so any key type
 * survives a round trip. Avro per topic (schemas/serde) plugs in here.
 */
export function encodeJson(value: unknown): Buffer | null {
  return value === null || value === undefined ? null : Buffer.from(JSON.stringify(value));
}

export function decodeJson(bytes: Buffer | null): unknown {
  return bytes === null ? null : (JSON.parse(bytes.toString('utf8')) as unknown);
}

export function decodeSourceKey(bytes: Buffer | null): string | null {
  return bytes === null ? null : bytes.toString('utf8');
}
