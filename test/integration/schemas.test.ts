import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import avro, { type Schema } from 'avsc';
import type { Admin, KafkaMessage } from 'kafkajs';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { AVRO_DIR, avroType, readSchema } from '../../schemas/catalog';
import { DecodeError } from '../../schemas/serde/decode-error';
import { AvroDeserializer } from '../../schemas/serde/avro-deserializer';
import { AvroSerializer } from '../../schemas/serde/avro-serializer';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { encodeWire } from '../../schemas/serde/wire-format';
import type { PlaybackEvent } from '../../schemas/types.generated';
import { testConfig } from '../helpers/stack';
import { childCoverageEnv } from '../helpers/child-coverage';
import { uniqueName } from '../helpers/unique';

/**
 * The schemas acceptance test on the real stack: the real registry (Apicurio's ccompat API) and
 * the real broker. v1 and v2 events and every kind of bad input go in; the good ones come out
 * decoded (v2 read as v1), and each bad one is refused with its reason. That the runtime sends such
 * records to the DLQ with their coordinates is test/integration/dead-letters.test.ts.
 */
const config = testConfig();
const kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-schemas-it' });
const registry = connectSchemaRegistry(config.schemaRegistry);
const topic = uniqueName('it_playback');
let admin: Admin;

const event = (n: number): PlaybackEvent => ({
  eventId: `e-${n}`,
  sessionId: `s-${n % 3}`,
  viewerId: `v-${n}`,
  contentId: 'c-1',
  liveEventId: null,
  eventType: 'heartbeat',
  eventTimeMs: 1_700_000_000_000 + n,
  positionMs: n * 1000,
  bitrateKbps: 3000,
  bufferingMs: 0,
  startupTimeMs: null,
  errorCode: null,
  deviceType: 'web',
  region: 'eu-west',
  cdnEdge: 'edge-1',
  viewerTier: 'standard',
  appVersion: '1.0.0',
});

async function readAll(topicName: string, expected: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('it_reader') });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName, fromBeginning: true });
  const messages: KafkaMessage[] = [];
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`only ${messages.length}/${expected} records on ${topicName}`)),
      60_000,
    );
    consumer
      .run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (messages.length === expected) {
            clearTimeout(timer);
            done();
          }
        },
      })
      .catch(fail);
  });
  await consumer.disconnect();
  return messages;
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 1 }],
  });
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  for (const subject of [`${topic}-value`]) {
    await fetch(`${config.schemaRegistry.url}/subjects/${subject}`, { method: 'DELETE' }).catch(() => undefined);
    await fetch(`${config.schemaRegistry.url}/subjects/${subject}?permanent=true`, { method: 'DELETE' }).catch(
      () => undefined,
    );
  }
});

describe('schemas on the real registry and broker', () => {
  it('good v1 and v2 events arrive decoded; every bad input is refused with its reason', async () => {
    const subject = `${topic}-value`;
    await registry.setCompatibility(subject, 'BACKWARD');
    const v1 = new AvroSerializer<PlaybackEvent>(avroType('PlaybackEvent'), subject, registry);
    await v1.init();
    const v2Schema = readSchema('playback-event.avsc') as Schema & { fields: unknown[] };
    v2Schema.fields.push({ name: 'drmSystem', type: ['null', 'string'], default: null });
    const v2 = new AvroSerializer<PlaybackEvent & { drmSystem: string | null }>(
      avro.Type.forSchema(v2Schema),
      subject,
      registry,
    );
    await v2.init();
    expect(v2.id).not.toBe(v1.id);

    const otherSchemaId = await registry.register(`${topic}-other-value`, readSchema('cache-invalidation.avsc'));
    const good = [v1.encode(event(1)), v2.encode({ ...event(2), drmSystem: 'widevine' }), v1.encode(event(3))];
    const bad: Record<string, Buffer | null> = {
      'wrong-magic-byte': Buffer.concat([Buffer.from([7]), v1.encode(event(4)).subarray(1)]),
      'unknown-schema-id': encodeWire(2_000_000_000, v1.encode(event(5)).subarray(5)),
      truncated: v1.encode(event(6)).subarray(0, 20),
      'random-bytes': Buffer.from('this is not avro at all, just text'),
      'incompatible-writer-schema': encodeWire(
        otherSchemaId,
        avroType('CacheInvalidation').toBuffer(avroType('CacheInvalidation').random()),
      ),
      oversized: Buffer.concat([v1.encode(event(7)), Buffer.alloc(70 * 1024)]),
      'null-value': null,
    };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        ...good.map((value, index) => ({ key: `good-${index}`, value })),
        ...Object.entries(bad).map(([kind, value]) => ({ key: `bad-${kind}`, value })),
      ],
    });

    await producer.disconnect();

    // The decode path the runtime takes: writer schemas resolved once for the batch, then each record.
    const fetched = await readAll(topic, good.length + Object.keys(bad).length);
    const deserializer = new AvroDeserializer<PlaybackEvent>(avroType('PlaybackEvent'), registry, {
      maxMessageBytes: 64 * 1024,
    });
    await deserializer.prepare(fetched.map((message) => message.value));
    const decoded: PlaybackEvent[] = [];
    const refused = new Map<string, DecodeError>();
    for (const message of fetched) {
      try {
        decoded.push(deserializer.decode(message.value));
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        refused.set(String(message.key), error);
      }
    }

    expect(decoded).toEqual([event(1), event(2), event(3)]); // v2 read as v1
    expect([...refused.keys()].sort()).toEqual(
      Object.keys(bad)
        .map((kind) => `bad-${kind}`)
        .sort(),
    );
    const expectedReason: Record<string, string> = { 'random-bytes': 'wrong-magic-byte' };
    for (const kind of Object.keys(bad))
      expect({ kind, reason: refused.get(`bad-${kind}`)?.reason }).toEqual({
        kind,
        reason: expectedReason[kind] ?? kind,
      });
    expect(refused.get('bad-unknown-schema-id')?.schemaId).toBe(2_000_000_000);
    expect(refused.get('bad-incompatible-writer-schema')?.schemaId).toBe(otherSchemaId);
  });

  it('one new subject registered by many processes at once: every one gets the same id', async () => {
    // Stream threads start together and register their sinks' subjects at the same moment; the
    // registry races inside itself creating a subject. Several new subjects, each raced six ways,
    // so that the race is met (it was, in most rounds, before registering retried it).
    const schema = readSchema('cache-invalidation.avsc');
    for (let round = 0; round < 5; round += 1) {
      const subject = `${topic}-race-${round}-value`;
      const clients = Array.from({ length: 6 }, () => connectSchemaRegistry(config.schemaRegistry));
      const ids = await Promise.all(clients.map((client) => client.register(subject, schema)));
      expect(new Set(ids).size).toBe(1);
      expect((await registry.latest(subject))?.id).toBe(ids[0]);
    }
  });
});

describe('reelstream schemas check (real registry)', () => {
  const exec = promisify(execFile);
  const run = (file: string, args: string[]) => exec(file, args, { env: { ...process.env, ...childCoverageEnv() } });
  const cli = resolve(__dirname, '..', '..', 'bin', 'reelstream.js');

  it('passes on the schemas as they are, and fails naming the field of an incompatible change', async () => {
    await run(process.execPath, [cli, 'schemas', 'push']);
    const ok = await run(process.execPath, [cli, 'schemas', 'check']);
    expect(ok.stdout).toMatch(/playback\.events-value: compatible with version \d+/);

    const dir = mkdtempSync(join(tmpdir(), 'reelstream-schemas-'));
    cpSync(AVRO_DIR, dir, { recursive: true });
    const file = join(dir, 'playback-event.avsc');
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { fields: unknown[] };
    schema.fields.push({ name: 'drmSystem', type: 'string' });
    writeFileSync(file, JSON.stringify(schema));
    const failure = await run(process.execPath, [cli, 'schemas', 'check', '--dir', dir]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('PlaybackEvent.drmSystem: added without a default');
  });
});
