import type { Admin, Kafka } from 'kafkajs';
import { defineTopology } from '../../runtime/dsl';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../../runtime/kafka/kafkajs/transport';
import { rdkafkaTransport } from '../../runtime/kafka/rdkafka/transport';
import { dlqTopic } from '../../runtime/naming';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';
import {
  KafkaCleanup,
  lastPerKey as lastValuePerKey,
  sendMessages,
  whileApplicationRuns,
  type TestMessage,
} from '../helpers/kafka-io';

/**
 * KTables on the real broker, both transports: a stream–table join and a table–table join over two
 * co-partitioned compacted topics, then a restart — the new instance rebuilds both tables from
 * their topics (they keep no changelog) before it joins the plays that arrived meanwhile.
 */
const config = testConfig();
const kafka: Kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-tables-it' });
const CONTENTS = 2_000;
let admin: Admin;
const cleanup = new KafkaCleanup();

type Content = { title: string; version: number };
type Rights = { regions: string[] };

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await cleanup.run(admin);
  await admin.disconnect();
});

const send = (topic: string, messages: TestMessage[]) => sendMessages(kafka, topic, messages);
const lastPerKey = (topic: string, expected: number) => lastValuePerKey<string>(kafka, topic, expected);

describe.each(['rdkafka', 'kafkajs'] as const)('tables on Kafka (%s)', (transportName) => {
  it('joins streams and tables, and rebuilds the tables from their topics after a restart', async () => {
    const app = uniqueName(`tables-${transportName}`).replace(/_/g, '-');
    const [titles, rights, plays, titled, labelled] = ['titles', 'rights', 'plays', 'titled', 'labelled'].map(
      (suffix) => `${app}-${suffix}`,
    ) as [string, string, string, string, string];
    cleanup.add(app, [titles, rights, plays, titled, labelled, dlqTopic(app)]);
    const compacted = [{ name: 'cleanup.policy', value: 'compact' }];
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: titles, numPartitions: 3, configEntries: compacted },
        { topic: rights, numPartitions: 3, configEntries: compacted },
        { topic: plays, numPartitions: 3 },
        { topic: titled, numPartitions: 3 },
        { topic: labelled, numPartitions: 3 },
      ],
    });
    const keys = Array.from({ length: CONTENTS }, (_, index) => `c${index}`);
    await send(
      titles,
      keys.map((key) => ({ key, value: JSON.stringify({ title: `Title ${key}`, version: 2 }) })),
    );
    await send(titles, [{ key: 'c1', value: JSON.stringify({ title: 'stale', version: 1 }) }]);
    await send(
      rights,
      keys.map((key) => ({ key, value: JSON.stringify({ regions: ['eu'] }) })),
    );

    const topology = defineTopology(app, (b) => {
      const content = b.table<string, Content>(titles, { store: 'titles', version: (c) => c.version });
      const regions = b.table<string, Rights>(rights, { store: 'rights' });
      content
        .join(regions, (c, r) => `${c.title} in ${r.regions.join('+')}`)
        .toStream()
        .to(labelled);
      b.stream<string, { viewer: string }>(plays)
        .leftJoin(content, (play, c) => `${play.viewer}:${c?.title ?? '-'}`)
        .to(titled);
    });
    const transport = transportName === 'rdkafka' ? rdkafkaTransport(config.kafka) : kafkajsTransport(config.kafka);
    const run = (instanceId: string, whileRunning: () => Promise<void>) =>
      whileApplicationRuns({ topology, applicationId: app, transport, admin, instanceId }, whileRunning);

    await send(plays, [{ key: 'c0', value: JSON.stringify({ viewer: 'before' }) }]);
    await run('a', async () => {
      const joined = await lastPerKey(labelled, CONTENTS);
      expect(joined.get('c7')).toBe('Title c7 in eu');
      expect(joined.get('c1')).toBe('Title c1 in eu'); // the stale version did not win
      await lastPerKey(titled, 1);
    });
    // After the restart only new records arrive: the joins must find the tables rebuilt.
    await send(
      plays,
      keys.map((key) => ({ key, value: JSON.stringify({ viewer: 'after' }) })),
    );
    await send(rights, [{ key: 'c5', value: JSON.stringify({ regions: ['eu', 'us'] }) }]);
    await run('b', async () => {
      const after = await lastPerKey(titled, CONTENTS);
      expect([...after].filter(([key, value]) => value !== `after:Title ${key}`)).toEqual([]);
      const joined = await lastPerKey(labelled, CONTENTS);
      for (let waited = 0; joined.get('c5') !== 'Title c5 in eu+us' && waited < 20_000; waited += 1_000) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        for (const [key, value] of await lastPerKey(labelled, CONTENTS)) joined.set(key, value);
      }
      expect(joined.get('c5')).toBe('Title c5 in eu+us');
    });
  }, 240_000);
});
