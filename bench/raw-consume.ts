import { KafkaConsumer } from 'node-rdkafka';
import type { KafkaConfig } from '../runtime/config/schema';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';

/**
 * The raw consume-only rate of each client on a topic (its ceiling): records counted, nothing else,
 * in a throwaway group. Shared by bench:engine and bench:e2e so both measure the ceiling the same way.
 */
export async function rawConsumeRate(
  transport: 'rdkafka' | 'kafkajs',
  kafka: KafkaConfig,
  topic: string,
  records: number,
  group: string,
): Promise<number> {
  return transport === 'rdkafka'
    ? rawConsumeRdkafka(kafka, topic, records, group)
    : rawConsumeKafkajs(kafka, topic, records, group);
}

async function rawConsumeKafkajs(kafka: KafkaConfig, topic: string, records: number, group: string): Promise<number> {
  const consumer = createKafkaJs(kafka).consumer({
    groupId: group,
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  let started = 0;
  const seconds = await new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({ batch }) => {
        if (started === 0) started = Date.now();
        count += batch.messages.length;
        if (count >= records) resolve((Date.now() - started) / 1000);
      },
    });
  });
  await consumer.disconnect();
  return count / seconds;
}

async function rawConsumeRdkafka(kafka: KafkaConfig, topic: string, records: number, group: string): Promise<number> {
  const consumer = new KafkaConsumer(
    { 'metadata.broker.list': kafka.brokers.join(','), 'group.id': group, 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (error) => (error ? reject(error) : resolve())));
  consumer.subscribe([topic]);
  let count = 0;
  let started = 0;
  while (count < records) {
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
