import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { defineTopology } from '../../runtime/dsl';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../../runtime/kafka/kafkajs/transport';
import { rdkafkaTransport } from '../../runtime/kafka/rdkafka/transport';
import { globalTableEntries, globalTablePropagation, globalTableRecords, metricsRegistry } from '../../runtime/metrics';
import { dlqTopic } from '../../runtime/naming';
import { testConfig } from '../helpers/stack';
import { KafkaCleanup, lastPerKey, sendMessages, whileApplicationRuns, type TestMessage } from '../helpers/kafka-io';
import { uniqueName } from '../helpers/unique';

/**
 * Global tables on the real broker, both transports: a catalog of 30,000 titles on a compacted
 * 3-partition topic is bootstrapped in full before the first play is joined (plays already wait in
 * Kafka when the application starts, and again when it restarts), a tombstone with a version header
 * deletes, a stale update and a stale delete are not applied, and updates made while it runs reach
 * the table (the propagation histogram measures them).
 */
const config = testConfig();
const kafka: Kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-global-tables-it' });
const TITLES = 30_000;
const PLAYS = 3_000;
let admin: Admin;
const cleanup = new KafkaCleanup();

type Content = { title: string; version: number };
type Titled = { contentId: string; title: string | null };

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await cleanup.run(admin);
  await admin.disconnect();
});

const send = (topic: string, messages: TestMessage[]) => sendMessages(kafka, topic, messages);

const plays = (prefix: string, count: number, contentOf: (index: number) => string) =>
  Array.from({ length: count }, (_, index) => ({
    key: `${prefix}-${index}`,
    value: JSON.stringify({ contentId: contentOf(index) }),
  }));

/** The output so far, by play key (its last record). */
const readOutput = (topic: string, expected: number) => lastPerKey<Titled>(kafka, topic, expected);

/** A catalog topic (compacted) holding TITLES titles at version 3, and the topics the topology reads and writes. */
async function titledTopics(name: string): Promise<{ app: string; catalog: string; input: string; output: string }> {
  const app = uniqueName(name).replace(/_/g, '-');
  const catalog = `${app}-catalog`;
  const input = `${app}-plays`;
  const output = `${app}-titled`;
  cleanup.add(app, [catalog, input, output, dlqTopic(app)]);
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: catalog, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: input, numPartitions: 3 },
      { topic: output, numPartitions: 3 },
    ],
  });
  await send(
    catalog,
    Array.from({ length: TITLES }, (_, index) => ({
      key: `c${index}`,
      value: JSON.stringify({ title: `Title ${index}`, version: 3 }),
    })),
  );
  return { app, catalog, input, output };
}

describe.each(['rdkafka', 'kafkajs'] as const)('global tables on Kafka (%s)', (transportName) => {
  it('bootstraps before the first join, deletes on a versioned tombstone, follows updates, and again after a restart', async () => {
    const { app, catalog, input, output } = await titledTopics(`global-${transportName}`);
    await send(catalog, [
      { key: 'c1', value: JSON.stringify({ title: 'stale', version: 2 }) },
      { key: 'c2', value: null, headers: { version: '4' } },
      { key: 'c3', value: null, headers: { version: '1' } }, // a stale delete
    ]);
    await send(
      input,
      plays('first', PLAYS, (index) => `c${(index * 7) % TITLES}`),
    );

    const topology = defineTopology(app, (b) => {
      const titles = b.globalTable<string, Content>(catalog, { store: 'catalog', version: (c) => c.version });
      b.stream<string, { contentId: string }>(input)
        .leftJoin(
          titles,
          (play) => play.contentId,
          (play, content): Titled => ({ contentId: play.contentId, title: content?.title ?? null }),
        )
        .to(output);
    });
    const transport = transportName === 'rdkafka' ? rdkafkaTransport(config.kafka) : kafkajsTransport(config.kafka);
    const run = (instanceId: string, whileRunning: () => Promise<void>) =>
      whileApplicationRuns(
        {
          topology,
          applicationId: app,
          transport,
          admin,
          instanceId,
          // Before the thread takes its first record the table is complete: every title, c2 deleted.
          afterStart: async () => {
            const entries = (await globalTableEntries.get()).values.find((sample) => sample.labels.application === app);
            expect(entries?.value).toBe(instanceId === 'a' ? TITLES - 1 : TITLES - 2);
          },
        },
        whileRunning,
      );

    metricsRegistry.resetMetrics();
    await run('a', async () => {
      const first = await readOutput(output, PLAYS);
      const untitled = [...first.values()].filter((out) => out.title === null && out.contentId !== 'c2');
      expect(untitled).toEqual([]); // no play was joined against a partial table
      // Updates while it runs: a new title, a versioned delete, then plays that look them up.
      await send(catalog, [
        { key: 'c5', value: JSON.stringify({ title: 'Title 5 (remastered)', version: 4 }) },
        { key: 'c6', value: null, headers: { version: '5' } },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await send(input, [
        { key: 'live-c1', value: JSON.stringify({ contentId: 'c1' }) },
        { key: 'live-c2', value: JSON.stringify({ contentId: 'c2' }) },
        { key: 'live-c3', value: JSON.stringify({ contentId: 'c3' }) },
        { key: 'live-c5', value: JSON.stringify({ contentId: 'c5' }) },
        { key: 'live-c6', value: JSON.stringify({ contentId: 'c6' }) },
      ]);
      const live = await readOutput(output, PLAYS + 5);
      expect(['live-c1', 'live-c2', 'live-c3', 'live-c5', 'live-c6'].map((key) => live.get(key)?.title)).toEqual([
        'Title 1',
        null,
        'Title 3',
        'Title 5 (remastered)',
        null,
      ]);
      const propagation = (await globalTablePropagation.get()).values.find(
        (sample) => sample.metricName?.endsWith('_count') && sample.labels.topic === catalog,
      );
      expect(propagation?.value).toBe(2);
    });

    // A restart: plays wait in Kafka again; the new instance rebuilds the table before joining any.
    await send(
      input,
      plays('second', PLAYS, (index) => `c${(index * 13) % TITLES}`),
    );
    await run('b', async () => {
      const all = await readOutput(output, 2 * PLAYS + 5);
      const second = [...all].filter(([key]) => key.startsWith('second-'));
      expect(second).toHaveLength(PLAYS);
      expect(second.filter(([, out]) => out.title === null && !['c2', 'c6'].includes(out.contentId))).toEqual([]);
    });
    const dlq = await admin.fetchTopicOffsets(dlqTopic(app)).catch(() => []);
    expect(dlq.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(0); // tombstones are deletes, not dead letters
  }, 240_000);

  it('on disk: a restart after a clean stop reads only what was appended while it was stopped', async () => {
    const { app, catalog, input, output } = await titledTopics(`global-disk-${transportName}`);
    const stateDir = mkdtempSync(join(tmpdir(), 'reelstream-global-it-'));
    const topology = defineTopology(app, (b) => {
      const titles = b.globalTable<string, Content>(catalog, { store: 'catalog', version: (c) => c.version });
      b.stream<string, { contentId: string }>(input)
        .leftJoin(
          titles,
          (play) => play.contentId,
          (play, content): Titled => ({ contentId: play.contentId, title: content?.title ?? null }),
        )
        .to(output);
    });
    const transport = transportName === 'rdkafka' ? rdkafkaTransport(config.kafka) : kafkajsTransport(config.kafka);
    const recordsRead = async () =>
      (await globalTableRecords.get()).values
        .filter((sample) => sample.labels.application === app)
        .reduce((sum, sample) => sum + sample.value, 0);
    const run = (plays: TestMessage[], expected: number) =>
      whileApplicationRuns(
        { topology, applicationId: app, transport, admin, instanceId: 'only', stateDir },
        async () => {
          await send(input, plays);
          await readOutput(output, expected);
        },
      );

    try {
      metricsRegistry.resetMetrics();
      await run([{ key: 'first', value: JSON.stringify({ contentId: 'c1' }) }], 1);
      expect(await recordsRead()).toBe(TITLES);

      // While it is stopped: a rename and a versioned delete.
      await send(catalog, [
        { key: 'c7', value: JSON.stringify({ title: 'Seven, renamed', version: 4 }) },
        { key: 'c8', value: null, headers: { version: '4' } },
      ]);
      metricsRegistry.resetMetrics();
      await run(
        ['c1', 'c7', 'c8'].map((contentId) => ({ key: `second-${contentId}`, value: JSON.stringify({ contentId }) })),
        4,
      );
      // Only the two new records were read; the 30,000 titles came from disk.
      expect(await recordsRead()).toBe(2);
      const out = await readOutput(output, 4);
      expect(['second-c1', 'second-c7', 'second-c8'].map((key) => out.get(key)?.title)).toEqual([
        'Title 1',
        'Seven, renamed',
        null,
      ]);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 240_000);
});
