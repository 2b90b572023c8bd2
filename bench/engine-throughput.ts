/**
 * npm run bench:engine — records/s of the Kafka runtime (node-rdkafka transport, transactional
 * commits every second) against the local stack, from a pre-produced topic, so the producer does not
 * compete: RECORDS (default 2,000,000) JSON view events on 6 partitions.
 *   1. raw consume-only rate of the same client on the same topic (the ceiling);
 *   2. a stateless pass-through topology (consume → decode → encode → produce, committed);
 *   3. a windowed count per content id (plus a repartition topic, so 2 × RECORDS records processed).
 * Needs `reelstream stack up`. Topics are made per run and deleted afterwards.
 */
import { KafkaConsumer, Producer } from 'node-rdkafka';
import { defineTopology, tumbling } from '../runtime/dsl';
import { StreamApplication } from '../runtime/app/stream-application';
import { loadConfig } from '../runtime/config/load';
import { createKafkaJs } from '../runtime/kafka/kafkajs-client';
import { rdkafkaTransport } from '../runtime/kafka/rdkafka-transport';

const RECORDS = Number(process.env.RECORDS ?? 2_000_000);
const config = loadConfig();
const brokers = config.kafka.brokers.join(',');
const run = `bench-${Date.now().toString(36)}`;
const input = `${run}-input`;

async function produceInput(): Promise<void> {
  const producer = new Producer(
    {
      'metadata.broker.list': brokers,
      'linger.ms': 20,
      'batch.num.messages': 10_000,
      'queue.buffering.max.messages': 2_000_000,
      dr_cb: true,
    },
    { partitioner: 'murmur2_random' },
  );
  await new Promise<void>((resolve, reject) => producer.connect({}, (error) => (error ? reject(error) : resolve())));
  producer.setPollInterval(20);
  let delivered = 0;
  const done = new Promise<void>((resolve) =>
    producer.on('delivery-report', () => ++delivered === RECORDS && resolve()),
  );
  const base = Date.now() - 3_600_000;
  for (let i = 0; i < RECORDS; i += 1) {
    const value = Buffer.from(JSON.stringify({ contentId: `content-${i % 1_000}`, at: base + Math.floor(i / 1_000) }));
    for (;;) {
      try {
        producer.produce(input, null, value, `session-${i % 100_000}`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  await done;
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}

async function rawConsume(): Promise<number> {
  const consumer = new KafkaConsumer(
    { 'metadata.broker.list': brokers, 'group.id': `${run}-raw`, 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (error) => (error ? reject(error) : resolve())));
  consumer.subscribe([input]);
  let count = 0;
  let started = 0;
  while (count < RECORDS) {
    const batch = await new Promise<unknown[]>((resolve, reject) =>
      consumer.consume(10_000, (error, messages) => (error ? reject(error) : resolve(messages))),
    );
    if (batch.length > 0 && started === 0) started = Date.now();
    count += batch.length;
  }
  const seconds = (Date.now() - started) / 1000;
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return count / seconds;
}

async function runTopology(
  name: string,
  declare: Parameters<typeof defineTopology>[1],
  expectedProcessed: number,
  outputs: string[],
): Promise<number> {
  const admin = createKafkaJs(config.kafka).admin();
  await admin.connect();
  await admin.createTopics({ topics: outputs.map((topic) => ({ topic, numPartitions: 6 })), waitForLeaders: true });
  const app = new StreamApplication({
    topology: defineTopology(name, declare),
    applicationId: name,
    transport: rdkafkaTransport(config.kafka),
    admin,
    instanceId: 'bench',
  });
  await app.start();
  const running = app.run();
  let started = 0;
  while (app.stats.processed < expectedProcessed) {
    if (started === 0 && app.stats.processed > 0) started = Date.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (Date.now() - started) / 1000;
  app.stop();
  await running;
  await app.close();
  await admin
    .deleteTopics({ topics: [...outputs, `${name}-by-content-repartition`, `${name}-counts-changelog`, `${name}.dlq`] })
    .catch(() => undefined);
  await admin.disconnect();
  return expectedProcessed / seconds;
}

void (async () => {
  const admin = createKafkaJs(config.kafka).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: input, numPartitions: 6 }], waitForLeaders: true });
  const producing = Date.now();
  await produceInput();
  console.log(
    `pre-produced ${RECORDS.toLocaleString('en-US')} records in ${((Date.now() - producing) / 1000).toFixed(1)} s`,
  );
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`rdkafka raw consume-only: ${fmt(await rawConsume())} records/s`);
  const passThrough = await runTopology(`${run}-pass`, (b) => b.stream(input).to(`${run}-pass-out`), RECORDS, [
    `${run}-pass-out`,
  ]);
  console.log(`rdkafka pass-through (decode, encode, produce, transactional commit): ${fmt(passThrough)} records/s`);
  const windowed = await runTopology(
    `${run}-count`,
    (b) =>
      b
        .stream<string, { contentId: string; at: number }>(input, { timestamp: (v) => v.at })
        .groupBy((v) => v.contentId, { name: 'by-content' })
        .windowedBy(tumbling('1m').grace('1d'))
        .count({ store: 'counts', emit: { updates: '1s', final: true } })
        .to(`${run}-count-out`),
    2 * RECORDS,
    [`${run}-count-out`],
  );
  console.log(
    `rdkafka windowed count (records processed incl. repartition): ${fmt(windowed)} records/s; input records/s: ${fmt(windowed / 2)}`,
  );
  await admin.deleteTopics({ topics: [input] }).catch(() => undefined);
  await admin.disconnect();
  console.log(`node ${process.version}, 2 cores, processor and broker on the same machine`);
})();
