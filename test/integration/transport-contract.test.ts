import type { Admin } from 'kafkajs';
import { createKafkaJs } from '../../runtime/kafka/kafkajs-client';
import { rdkafkaTransport } from '../../runtime/kafka/rdkafka-transport';
import type { ConsumedRecord, GroupConsumer, KafkaTransport } from '../../runtime/kafka/transport';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/**
 * The contract every Kafka transport must keep, run against the real broker. The runtime relies on
 * exactly these behaviours; a new transport (kafkajs is next) is added to the list below.
 */
const config = testConfig();
const transports: [string, KafkaTransport][] = [['rdkafka', rdkafkaTransport(config.kafka)]];
let admin: Admin;
const topics: string[] = [];

beforeAll(async () => {
  admin = createKafkaJs(config.kafka).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

async function freshTopic(partitions = 2): Promise<string> {
  const topic = uniqueName('it_contract');
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  topics.push(topic);
  return topic;
}

async function joinGroup(transport: KafkaTransport, topic: string, group: string): Promise<GroupConsumer> {
  const consumer = transport.consumer(group);
  await consumer.connect({ onAssigned: () => undefined, onRevoked: () => undefined });
  consumer.subscribe([topic]);
  return consumer;
}

async function consumeAtLeast(consumer: GroupConsumer, count: number, timeoutMs = 30_000): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) records.push(...(await consumer.consumeBatch(1_000)));
  return records;
}

describe.each(transports)('transport contract: %s', (_name, transport) => {
  it('commits records and consumed offsets in one transaction; an aborted transaction is invisible', async () => {
    const topic = await freshTopic();
    const producer = transport.transactionalProducer(uniqueName('it_tx'));
    await producer.connect();
    const consumer = await joinGroup(transport, topic, uniqueName('it_group'));

    await producer.begin();
    for (let i = 0; i < 10; i += 1)
      producer.send({ topic, key: Buffer.from(`k${i}`), value: Buffer.from(`committed-${i}`) });
    await producer.commit([], consumer);
    await producer.begin();
    producer.send({ topic, key: Buffer.from('x'), value: Buffer.from('aborted') });
    await producer.abort();
    await producer.begin();
    producer.send({ topic, key: Buffer.from('y'), value: Buffer.from('committed-after-abort') });
    await producer.commit([], consumer);

    const records = await consumeAtLeast(consumer, 11);
    const values = records.map((record) => String(record.value));
    expect(values).toHaveLength(11);
    expect(values).not.toContain('aborted');
    expect(values).toContain('committed-after-abort');
    await consumer.disconnect();
    await producer.disconnect();
  });

  it('reads a partition to its end outside the group, across transaction markers', async () => {
    const topic = await freshTopic(1);
    const producer = transport.transactionalProducer(uniqueName('it_tx'));
    await producer.connect();
    const consumer = await joinGroup(transport, topic, uniqueName('it_group'));
    for (let round = 0; round < 3; round += 1) {
      await producer.begin();
      for (let i = 0; i < 5; i += 1)
        producer.send({ topic, partition: 0, key: null, value: Buffer.from(`${round}-${i}`) });
      await producer.commit([], consumer);
    }
    const reader = transport.partitionReader();
    const seen: string[] = [];
    expect(await reader.readToEnd({ topic, partition: 0 }, (record) => seen.push(String(record.value)))).toBe(15);
    expect(seen[14]).toBe('2-4');
    const emptyTopic = await freshTopic(1);
    expect(await reader.readToEnd({ topic: emptyTopic, partition: 0 }, () => undefined)).toBe(0);
    await reader.disconnect();
    await consumer.disconnect();
    await producer.disconnect();
  });

  it('commits consumed offsets with the transaction, and seekToCommitted rewinds to them', async () => {
    const topic = await freshTopic(1);
    const group = uniqueName('it_group');
    const kafkaProducer = createKafkaJs(config.kafka).producer();
    await kafkaProducer.connect();
    await kafkaProducer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    await kafkaProducer.disconnect();

    const producer = transport.transactionalProducer(uniqueName('it_tx'));
    await producer.connect();
    const consumer = await joinGroup(transport, topic, group);
    const first = await consumeAtLeast(consumer, 20);
    const tenth = first.find((record) => record.offset === 9) as ConsumedRecord;
    await producer.begin();
    producer.send({ topic: await freshTopic(1), key: null, value: Buffer.from('side effect') });
    await producer.commit([{ topic, partition: 0, offset: tenth.offset + 1 }], consumer);
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed[0]?.partitions[0]?.offset).toBe('10');

    await consumer.seekToCommitted([{ topic, partition: 0 }]);
    const again = await consumeAtLeast(consumer, 10);
    expect(again[0]?.offset).toBe(10);
    await consumer.disconnect();
    await producer.disconnect();
  });
});
