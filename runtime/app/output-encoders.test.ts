import { avroType } from '../../schemas/catalog';
import { AvroDeserializer } from '../../schemas/serde/avro-deserializer';
import { DLQ_HEADERS } from '../dlq/dead-letter-message';
import { InMemoryRegistry } from '../../schemas/testing/in-memory-registry';
import { avroTopic, defineTopology } from '../dsl';
import { dlqTopic } from '../naming';
import { FakeKafka } from '../testing/fake-kafka';
import { StreamApplication } from './stream-application';

// An output topic written with a schema: Avro values under `<topic>-value`, string keys as plain
// UTF-8, and a value the schema refuses in the DLQ — on the application, against an in-memory Kafka.

const APP = 'avro-out';
const topology = defineTopology(APP, (b) => {
  b.stream<string, { target: string; version: number }>('requests')
    .mapValues((request) => ({
      targetType: 'content_id',
      target: request.target,
      version: request.version,
      reason: 'test',
      issuedAtMs: 1,
    }))
    .to(avroTopic('invalidations', 'CacheInvalidation'));
});

it('writes Avro in the wire format, and sends a value its schema refuses to the DLQ', async () => {
  const kafka = new FakeKafka();
  kafka.createTopic('requests', 1);
  kafka.createTopic('invalidations', 1);
  kafka.append([
    {
      topic: 'requests',
      partition: 0,
      key: Buffer.from('c1'),
      value: Buffer.from('{"target":"c1","version":3}'),
      timestamp: 1,
    },
    {
      topic: 'requests',
      partition: 0,
      key: Buffer.from('c2'),
      value: Buffer.from('{"target":"c2","version":"x"}'),
      timestamp: 2,
    },
  ]);
  const registry = new InMemoryRegistry();
  const app = new StreamApplication({
    topology,
    applicationId: APP,
    transport: kafka.transport(),
    admin: kafka.admin(),
    registry,
    instanceId: 'a',
    commitIntervalMs: 0,
    lagIntervalMs: 60_000,
    alignment: { maxWaitMs: 0 },
  });
  await app.start();
  const running = app.run();
  for (let waited = 0; (kafka.committedOffset(APP, { topic: 'requests', partition: 0 }) ?? 0) < 2; waited += 10) {
    if (waited > 10_000) throw new Error('did not commit both records');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  app.stop();
  await running;
  await app.close();

  const [written] = kafka.partitionsOf('invalidations');
  expect(written).toHaveLength(1);
  expect(String(written?.[0]?.key)).toBe('c1'); // plain UTF-8, as other producers key the topic
  const deserializer = new AvroDeserializer(avroType('CacheInvalidation'), registry);
  await deserializer.prepare([written?.[0]?.value ?? null]);
  expect(deserializer.decode(written?.[0]?.value ?? null)).toMatchObject({
    target: 'c1',
    version: 3,
    targetType: 'content_id',
  });
  const letters = kafka.partitionsOf(dlqTopic(APP)).flat();
  expect(letters.map((letter) => letter.headers?.[DLQ_HEADERS.reason])).toEqual(['encode-error']);
});
