/**
 * npm run bench:serde — decode records/s of PlaybackEvent: our AvroDeserializer (Confluent wire
 * format, writer schema resolved once, avsc) against JSON.parse of the same records. No I/O: the
 * registry is answered from memory after the first lookup, as in a running pipeline.
 * RECORDS (default 1,000,000) distinct events, decoded in batches of 10,000; best of 3 rounds.
 */
import type { Schema } from 'avsc';
import { avroType, readSchema } from '../schemas/catalog';
import { AvroDeserializer } from '../schemas/serde/avro-deserializer';
import type { SchemaRegistryClient } from '../schemas/serde/registry-client';
import { encodeWire } from '../schemas/serde/wire-format';
import type { PlaybackEvent } from '../schemas/types.generated';

const RECORDS = Number(process.env.RECORDS ?? 1_000_000);
const type = avroType('PlaybackEvent');
const registry: SchemaRegistryClient = {
  schemaById: async () => readSchema('playback-event.avsc') as Schema,
  register: async () => 1,
  latest: async () => undefined,
  setCompatibility: async () => undefined,
};

const events = Array.from({ length: RECORDS }, (_, i) => {
  const value = type.random() as unknown as PlaybackEvent;
  return { ...value, eventId: `e-${i}`, sessionId: `session-${i % 50_000}`, contentId: `content-${i % 5_000}` };
});
const avroMessages = events.map((event) => encodeWire(1, type.toBuffer(event)));
const jsonMessages = events.map((event) => Buffer.from(JSON.stringify(event)));
const bytes = (messages: Buffer[]) => messages.reduce((sum, message) => sum + message.length, 0) / messages.length;

async function measure(name: string, decodeAll: () => Promise<number>): Promise<void> {
  let best = 0;
  for (let round = 0; round < 3; round += 1) {
    const started = process.hrtime.bigint();
    const decoded = await decodeAll();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (decoded !== RECORDS) throw new Error(`${name} decoded ${decoded} of ${RECORDS}`);
    best = Math.max(best, RECORDS / seconds);
  }
  console.log(`${name}: ${Math.round(best).toLocaleString('en-US')} records/s`);
}

void (async () => {
  const deserializer = new AvroDeserializer<PlaybackEvent>(type, registry);
  console.log(
    `${RECORDS.toLocaleString('en-US')} PlaybackEvents; avg ${bytes(avroMessages).toFixed(0)} bytes as Avro, ${bytes(jsonMessages).toFixed(0)} as JSON`,
  );
  await measure('avsc (wire format, resolved writer schema)', async () => {
    let count = 0;
    for (let offset = 0; offset < avroMessages.length; offset += 10_000) {
      const batch = avroMessages.slice(offset, offset + 10_000);
      await deserializer.prepare(batch);
      for (const message of batch) if (deserializer.decode(message)) count += 1;
    }
    return count;
  });
  await measure('JSON.parse', async () => {
    let count = 0;
    for (const message of jsonMessages) if (JSON.parse(message.toString('utf8'))) count += 1;
    return count;
  });
  console.log(`node ${process.version}, 1 core used`);
})();
