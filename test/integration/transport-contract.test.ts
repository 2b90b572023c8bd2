import type { Admin, Producer, Transaction } from 'kafkajs';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../../runtime/kafka/kafkajs/transport';
import { rdkafkaTransport } from '../../runtime/kafka/rdkafka/transport';
import type {
  ConsumedRecord,
  GroupConsumer,
  KafkaTransport,
  TopicPartitionOffset,
  TransactionalProducer,
} from '../../runtime/kafka/transport';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/** The commit as the runtime does it: sealed, the consumed offsets in the producer's transaction, then the consumer told. */
async function commitTransaction(
  producer: TransactionalProducer,
  consumer: GroupConsumer,
  offsets: TopicPartitionOffset[],
): Promise<void> {
  consumer.transactionSealed();
  await producer.commit(offsets, consumer.groupMetadata());
  consumer.transactionCommitted(offsets);
}

/**
 * The contract every Kafka transport must keep, run against the real broker. The runtime relies on
 * exactly these behaviours; every transport is in the list below.
 */
const config = testConfig();
const factories = { rdkafka: rdkafkaTransport, kafkajs: kafkajsTransport };
const transports = Object.entries(factories).map(
  ([name, create]) => [name, create(config.kafka)] as [keyof typeof factories, KafkaTransport],
);
let admin: Admin;
const topics: string[] = [];
/** Clients a test opened: closed after it whether it passed or not, so a failure cannot leave jest hanging. */
const opened: { disconnect(): Promise<void> }[] = [];
/** Records consumed but not yet committed, per consumer, across consumeAtLeast calls (as the runtime keeps them). */
const uncommitted = new WeakMap<GroupConsumer, ConsumedRecord[]>();

beforeAll(async () => {
  admin = createKafkaJs(config.kafka).admin();
  await admin.connect();
});

afterEach(async () => {
  for (const client of opened.splice(0).reverse()) await client.disconnect().catch(() => undefined);
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

async function connectedProducer(transport: KafkaTransport): Promise<TransactionalProducer> {
  const producer = transport.transactionalProducer(uniqueName('it_tx'));
  opened.push(producer);
  await producer.connect();
  return producer;
}

async function joinGroup(transport: KafkaTransport, topic: string, group: string): Promise<GroupConsumer> {
  const consumer = transport.consumer(group);
  opened.push(consumer);
  await consumer.connect({ onAssigned: () => undefined, onRevoked: () => undefined });
  consumer.subscribe([topic]);
  return consumer;
}

/**
 * Reads as the runtime does: a batch that comes back empty is the cue to commit what was consumed
 * (kafkajs withholds a partition's next batch until the transaction holding the previous one ended).
 */
async function consumeAtLeast(
  consumer: GroupConsumer,
  producer: TransactionalProducer,
  count: number,
  timeoutMs = 30_000,
): Promise<ConsumedRecord[]> {
  const records: ConsumedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  const pending = uncommitted.get(consumer) ?? [];
  uncommitted.set(consumer, pending);
  while (records.length < count && Date.now() < deadline) {
    const batch = await consumer.consumeBatch(1_000);
    records.push(...batch);
    pending.push(...batch);
    if (batch.length > 0 || pending.length === 0) continue;
    await producer.begin();
    await commitTransaction(producer, consumer, nextOffsets(pending.splice(0)));
  }
  return records;
}

async function committedOffsetOnceVisible(group: string, topic: string): Promise<string | undefined> {
  let offset: string | undefined;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    offset = committed[0]?.partitions[0]?.offset;
    if (offset !== '-1') return offset;
    await new Promise((r) => setTimeout(r, 100));
  }
  return offset;
}

function nextOffsets(records: ConsumedRecord[]): TopicPartitionOffset[] {
  const next = new Map<string, TopicPartitionOffset>();
  for (const { topic, partition, offset } of records)
    next.set(`${topic}:${partition}`, {
      topic,
      partition,
      offset: Math.max(offset + 1, next.get(`${topic}:${partition}`)?.offset ?? 0),
    });
  return [...next.values()];
}

describe.each(transports)('transport contract: %s', (name, transport) => {
  it('commits records and consumed offsets in one transaction; an aborted transaction is invisible', async () => {
    const topic = await freshTopic();
    const producer = await connectedProducer(transport);
    const consumer = await joinGroup(transport, topic, uniqueName('it_group'));

    await producer.begin();
    for (let i = 0; i < 10; i += 1)
      producer.send({ topic, key: Buffer.from(`k${i}`), value: Buffer.from(`committed-${i}`) });
    await commitTransaction(producer, consumer, []);
    await producer.begin();
    producer.send({ topic, key: Buffer.from('x'), value: Buffer.from('aborted') });
    await producer.abort();
    await producer.begin();
    producer.send({ topic, key: Buffer.from('y'), value: Buffer.from('committed-after-abort') });
    await commitTransaction(producer, consumer, []);

    const records = await consumeAtLeast(consumer, producer, 11);
    const values = records.map((record) => String(record.value));
    expect(values).toHaveLength(11);
    expect(values).not.toContain('aborted');
    expect(values).toContain('committed-after-abort');
  });

  it('hides aborted transactions of several producers that interleave in one partition (two threads writing a repartition topic)', async () => {
    const topic = await freshTopic(1);
    const kafka = createKafkaJs(config.kafka);
    const writers = [1, 2, 3].map((n) =>
      kafka.producer({ transactionalId: uniqueName(`it_writer${n}`), idempotent: true, maxInFlightRequests: 1 }),
    );
    for (const writer of writers) {
      opened.push(writer);
      await writer.connect();
    }
    const [first, second, third] = writers as [Producer, Producer, Producer];
    const sendIn = (transaction: Transaction, value: string) =>
      transaction.send({ topic, messages: [{ partition: 0, value }] });
    // One transaction begins first and aborts last: the broker then lists the aborted transactions
    // in abort order, not by first offset.
    const early = await first.transaction();
    await sendIn(early, 'aborted-early');
    const late = await second.transaction();
    await sendIn(late, 'aborted-late');
    await late.abort();
    await sendIn(early, 'aborted-early-again');
    await early.abort();
    const committed = await third.transaction();
    await sendIn(committed, 'committed');
    await committed.commit();

    const reader = transport.partitionReader();
    opened.push(reader);
    const read: string[] = [];
    await reader.readToEnd([{ topic, partition: 0 }], (record) => read.push(String(record.value)));
    expect(read).toEqual(['committed']);

    const producer = await connectedProducer(transport);
    const consumer = await joinGroup(transport, topic, uniqueName('it_group'));
    const consumed: string[] = [];
    const deadline = Date.now() + 30_000;
    while (!consumed.includes('committed') && Date.now() < deadline)
      consumed.push(...(await consumeAtLeast(consumer, producer, 1, 5_000)).map((record) => String(record.value)));
    expect(consumed).toEqual(['committed']);
  });

  it('stays usable after an abort it refused (no open transaction; librdkafka also refuses racing aborts)', async () => {
    const topic = await freshTopic(1);
    const producer = await connectedProducer(transport);
    const consumer = await joinGroup(transport, topic, uniqueName('it_group'));
    await producer.abort().catch(() => undefined);
    await producer.begin();
    producer.send({ topic, key: Buffer.from('k'), value: Buffer.from('after a refused abort') });
    await commitTransaction(producer, consumer, []);
    const records = await consumeAtLeast(consumer, producer, 1);
    expect(records.map((record) => String(record.value))).toEqual(['after a refused abort']);
  });

  it('reads a partition to its end outside the group, across transaction markers', async () => {
    const topic = await freshTopic(1);
    const producer = await connectedProducer(transport);
    const consumer = await joinGroup(transport, topic, uniqueName('it_group'));
    for (let round = 0; round < 3; round += 1) {
      await producer.begin();
      for (let i = 0; i < 5; i += 1)
        producer.send({ topic, partition: 0, key: null, value: Buffer.from(`${round}-${i}`) });
      await commitTransaction(producer, consumer, []);
    }
    const reader = transport.partitionReader();
    opened.push(reader);
    const seen: string[] = [];
    expect(await reader.readToEnd([{ topic, partition: 0 }], (record) => seen.push(String(record.value)))).toBe(15);
    expect(seen[14]).toBe('2-4');
    const emptyTopic = await freshTopic(1);
    expect(await reader.readToEnd([{ topic: emptyTopic, partition: 0 }], () => undefined)).toBe(0);
  });

  it('commits consumed offsets with the transaction, and seekToCommitted rewinds to them', async () => {
    const topic = await freshTopic(1);
    const group = uniqueName('it_group');
    const kafkaProducer = createKafkaJs(config.kafka).producer();
    opened.push(kafkaProducer);
    await kafkaProducer.connect();
    await kafkaProducer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    await kafkaProducer.disconnect();

    const producer = await connectedProducer(transport);
    const consumer = await joinGroup(transport, topic, group);
    const first = await consumeAtLeast(consumer, producer, 20);
    const tenth = first.find((record) => record.offset === 9) as ConsumedRecord;
    await producer.begin();
    producer.send({ topic: await freshTopic(1), key: null, value: Buffer.from('side effect') });
    await commitTransaction(producer, consumer, [{ topic, partition: 0, offset: tenth.offset + 1 }]);
    // Other clients see a transaction's offsets once the broker wrote its commit markers, just after EndTxn.
    expect(await committedOffsetOnceVisible(group, topic)).toBe('10');

    await consumer.seekToCommitted([{ topic, partition: 0 }]);
    const again = await consumeAtLeast(consumer, producer, 10);
    expect(again[0]?.offset).toBe(10);
  });

  it('yields nothing of a paused partition until it is resumed, then continues where it stopped', async () => {
    const topic = await freshTopic(2);
    const kafkaProducer = createKafkaJs(config.kafka).producer();
    opened.push(kafkaProducer);
    await kafkaProducer.connect();
    for (const partition of [0, 1])
      await kafkaProducer.send({
        topic,
        messages: Array.from({ length: 3_000 }, (_, i) => ({ partition, key: `k${i}`, value: `${partition}-${i}` })),
      });
    await kafkaProducer.disconnect();
    const producer = await connectedProducer(transport);
    const consumer = await joinGroup(transport, topic, uniqueName('it_group'));
    const first = await consumeAtLeast(consumer, producer, 1);
    consumer.pause([{ topic, partition: 0 }]);
    const whilePaused = await consumeAtLeast(consumer, producer, 6_000, 5_000);
    expect(whilePaused.filter((record) => record.partition === 0)).toEqual([]);
    consumer.resume([{ topic, partition: 0 }]);
    const afterResume = await consumeAtLeast(consumer, producer, 6_000 - first.length - whilePaused.length);
    const partitionZero = [...first, ...afterResume].filter((record) => record.partition === 0).map((r) => r.offset);
    // Every record of the paused partition arrives once and in order: nothing skipped, nothing twice.
    expect(partitionZero).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
  });

  it('keeps its group membership through keepAlive while it does not fetch (a restore longer than the poll interval)', async () => {
    const topic = await freshTopic(1);
    const shortPollInterval = factories[name]({ ...config.kafka, maxPollIntervalMs: 10_000 });
    const consumer = shortPollInterval.consumer(uniqueName('it_group'));
    opened.push(consumer);
    let assigned = false;
    let revocations = 0;
    await consumer.connect({
      onAssigned: (partitions) => (assigned ||= partitions.length > 0),
      onRevoked: (partitions) => {
        revocations += partitions.length > 0 ? 1 : 0;
      },
    });
    consumer.subscribe([topic]);
    for (let attempt = 0; !assigned && attempt < 300; attempt += 1) await consumer.consumeBatch(10);
    expect(assigned).toBe(true);
    consumer.pause([{ topic, partition: 0 }]);
    // 16 s without a fetch, beyond the 10 s poll interval: only keepAlive calls.
    for (let call = 0; call < 8; call += 1) {
      await new Promise((r) => setTimeout(r, 2_000));
      await consumer.keepAlive();
    }
    await consumer.consumeBatch(10); // a membership lost meanwhile is reported (revoked) on this fetch
    expect(revocations).toBe(0);
  }, 60_000);
});
