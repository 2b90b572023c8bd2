import { KafkaConsumer, Producer as RdkafkaProducer } from 'node-rdkafka';
import type { Admin } from 'kafkajs';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/** Proves the real broker carries records for both clients the runtime offers (see docs/runtime.md). */
const config = testConfig();
const kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-integration' });
let admin: Admin;
const createdTopics: string[] = [];

async function freshTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });
  createdTopics.push(topic);
  return topic;
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics });
  await admin.disconnect();
});

describe('Kafka (real broker)', () => {
  it('kafkajs produces and consumes on a fresh topic', async () => {
    const topic = await freshTopic('it_kafkajs');
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 10 }, (_, index) => ({ key: `session-${index}`, value: `event-${index}` }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('it_group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push({ key: String(message.key), value: String(message.value) });
            if (received.length === sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(received.sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      sent.sort((a, b) => a.key.localeCompare(b.key)),
    );
  });

  it('node-rdkafka produces and consumes on a fresh topic', async () => {
    const topic = await freshTopic('it_rdkafka');
    const brokers = config.kafka.brokers.join(',');

    const producer = new RdkafkaProducer({ 'metadata.broker.list': brokers, dr_cb: true });
    await new Promise<void>((resolve, reject) => {
      producer.once('ready', () => resolve());
      producer.once('event.error', reject);
      producer.connect();
    });
    const sent = Array.from({ length: 10 }, (_, index) => `rd-event-${index}`);
    let delivered = 0;
    const allDelivered = new Promise<void>((resolve, reject) => {
      producer.on('delivery-report', (error) => {
        if (error) reject(error);
        else if (++delivered === sent.length) resolve();
      });
    });
    producer.setPollInterval(50);
    sent.forEach((value, index) => producer.produce(topic, null, Buffer.from(value), `key-${index}`));
    await allDelivered;
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));

    const consumer = new KafkaConsumer(
      { 'metadata.broker.list': brokers, 'group.id': uniqueName('it_rd_group'), 'enable.auto.commit': false },
      { 'auto.offset.reset': 'earliest' },
    );
    await new Promise<void>((resolve, reject) => {
      consumer.once('ready', () => resolve());
      consumer.once('event.error', reject);
      consumer.connect();
    });
    consumer.subscribe([topic]);
    const received: string[] = [];
    const deadline = Date.now() + 30_000;
    while (received.length < sent.length && Date.now() < deadline) {
      const batch = await new Promise<{ value: Buffer | null }[]>((resolve, reject) =>
        consumer.consume(100, (error, messages) => (error ? reject(error) : resolve(messages))),
      );
      received.push(...batch.map((message) => String(message.value)));
    }
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    expect(received.sort()).toEqual([...sent].sort());
  });
});
