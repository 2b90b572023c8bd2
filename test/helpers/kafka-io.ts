import type { Admin, Kafka } from 'kafkajs';
import { createLogger } from '../../core/logging';
import { StreamApplication, type StreamApplicationOptions } from '../../runtime/app/stream-application';
import { kafkajsAdmin } from '../../runtime/kafka/kafkajs/admin';
import { uniqueName } from './unique';

/** A message as the tests write it: a string key, a string or Buffer value (null: a tombstone). */
export interface TestMessage {
  key: string;
  value: string | Buffer | null;
  headers?: Record<string, string>;
}

/** Sends messages in batches of 5,000 with a producer of its own. */
export async function sendMessages(kafka: Kafka, topic: string, messages: readonly TestMessage[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let start = 0; start < messages.length; start += 5_000)
    await producer.send({ topic, messages: messages.slice(start, start + 5_000) });
  await producer.disconnect();
}

/**
 * Reads a topic from the beginning with a group of its own until `done` says so (or fails after
 * 60 s), handing each record's JSON key and value to `onRecord`.
 */
export async function readTopicUntil(
  kafka: Kafka,
  topic: string,
  onRecord: (key: unknown, value: unknown) => void,
  done: () => boolean,
  what: () => string,
): Promise<void> {
  const consumer = kafka.consumer({ groupId: uniqueName('it-read') });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic}: ${what()}`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          onRecord(JSON.parse(String(message.key)), JSON.parse(String(message.value)));
          if (done()) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

/** The last value per key of a topic, once it holds `expected` keys. */
export async function lastPerKey<V>(kafka: Kafka, topic: string, expected: number): Promise<Map<string, V>> {
  const seen = new Map<string, V>();
  await readTopicUntil(
    kafka,
    topic,
    (key, value) => seen.set(key as string, value as V),
    () => seen.size >= expected,
    () => `only ${seen.size} of ${expected} keys`,
  );
  return seen;
}

/**
 * Runs an application in this process while `whileRunning` runs, then stops it (final commit) and
 * closes it. `afterStart` runs once start() returned, before the thread takes its first record.
 */
export async function whileApplicationRuns(
  options: Omit<StreamApplicationOptions, 'admin' | 'logger'> & { admin: Admin; afterStart?: () => Promise<void> },
  whileRunning: () => Promise<void>,
): Promise<void> {
  const application = new StreamApplication({
    ...options,
    admin: kafkajsAdmin(options.admin),
    logger: createLogger(`${options.applicationId}-it`),
  });
  await application.start();
  await options.afterStart?.();
  const running = application.run();
  try {
    await whileRunning();
  } finally {
    application.stop();
    await running;
    await application.close();
  }
}

/** The topics and groups a test made, removed in afterAll. */
export class KafkaCleanup {
  private readonly entries: { topics: string[]; group: string }[] = [];

  add(group: string, topics: string[]): void {
    this.entries.push({ group, topics });
  }

  async run(admin: Admin): Promise<void> {
    for (const { topics, group } of this.entries) {
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.deleteGroups([group]).catch(() => undefined);
    }
  }
}
