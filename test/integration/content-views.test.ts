import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { dlqTopic, repartitionTopic, changelogTopic } from '../../runtime/naming';
import { avroType } from '../../schemas/catalog';
import { AvroSerializer } from '../../schemas/serde/avro-serializer';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { playbackEvent } from '../../schemas/testing/playback-event';
import { contentMetadata } from '../../schemas/testing/content-metadata';
import type { ContentMetadata, PlaybackEvent } from '../../schemas/types.generated';
import type { TitledViews } from '../../topologies/content-views';
import { freePort } from '../helpers/free-port';
import { startProcessor, stopAllProcessors } from '../helpers/processor';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';
import { KafkaCleanup, readTopicUntil, sendMessages } from '../helpers/kafka-io';

/**
 * `reelstream run content-views` — the DSL's example with a global table — as users run it, on
 * both transports, on Avro topics of its own: it serves (/ready) only once the catalog is read,
 * and every count it emits carries the title.
 */
const config = testConfig();
const kafka: Kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-content-views-it' });
const registry = connectSchemaRegistry(config.schemaRegistry);
const TITLES = 5_000;
const CONTENTS = 10;
let admin: Admin;
const cleanup = new KafkaCleanup();
const logDir = mkdtempSync(join(tmpdir(), 'reelstream-content-views-'));

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await stopAllProcessors();
  await cleanup.run(admin);
  await admin.disconnect();
  rmSync(logDir, { recursive: true, force: true });
});

const content = (index: number): ContentMetadata =>
  contentMetadata({ contentId: `c${index}`, title: `Title ${index}` });

async function ready(port: number): Promise<number> {
  return fetch(`http://127.0.0.1:${port}/ready`)
    .then((response) => response.status)
    .catch(() => 0);
}

async function readTitled(topic: string, until: (views: TitledViews[]) => boolean): Promise<TitledViews[]> {
  const views: TitledViews[] = [];
  await readTopicUntil(
    kafka,
    topic,
    (_key, value) => views.push(value as TitledViews),
    () => until(views),
    () => `only ${views.length} outputs`,
  );
  return views;
}

describe.each(['rdkafka', 'kafkajs'] as const)('reelstream run content-views (%s)', (transport) => {
  it('reads the whole catalog before it serves, and titles every count', async () => {
    const app = uniqueName(`content-views-${transport}`).replace(/_/g, '-');
    const catalog = `${app}-catalog`;
    const plays = `${app}-plays`;
    const output = `${app}-views`;
    cleanup.add(app, [
      catalog,
      plays,
      output,
      dlqTopic(app),
      repartitionTopic(app, 'by-content'),
      changelogTopic(app, 'starts-per-minute'),
    ]);
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: catalog, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        { topic: plays, numPartitions: 3 },
        { topic: output, numPartitions: 3 },
      ],
    });
    const contents = new AvroSerializer<ContentMetadata>(avroType('ContentMetadata'), `${catalog}-value`, registry);
    const events = new AvroSerializer<PlaybackEvent>(avroType('PlaybackEvent'), `${plays}-value`, registry);
    await contents.init();
    await events.init();
    await sendMessages(
      kafka,
      catalog,
      Array.from({ length: TITLES }, (_, index) => ({ key: `c${index}`, value: contents.encode(content(index)) })),
    );
    const minute = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
    await sendMessages(
      kafka,
      plays,
      Array.from({ length: 200 }, (_, index) => ({
        key: `s${index}`,
        value: events.encode(
          playbackEvent({
            sessionId: `s${index}`,
            contentId: `c${index % CONTENTS}`,
            eventType: 'start',
            eventTimeMs: minute + index * 100,
          }),
        ),
      })),
    );

    const port = await freePort();
    const processor = startProcessor(
      ['content-views', '--metrics-port', String(port), '--instance-id', `${app}-a`],
      {
        CONTENT_VIEWS_APP: app,
        PLAYBACK_TOPIC: plays,
        CATALOG_TOPIC: catalog,
        CONTENT_VIEWS_OUTPUT: output,
        KAFKA_TRANSPORT: transport,
      },
      join(logDir, `${app}.log`),
    );
    try {
      await processor.waitForLog('global tables bootstrapped');
      for (let waited = 0; (await ready(port)) !== 200; waited += 200) {
        if (waited > 60_000) throw new Error('content-views never became ready');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // Each content's starts reach 20 (200 starts over 10 contents, all in one minute).
      const views = await readTitled(
        output,
        (seen) => new Set(seen.filter((v) => v.starts === 20).map((v) => v.contentId)).size === CONTENTS,
      );
      expect(views.filter((view) => view.title !== `Title ${view.contentId.slice(1)}`)).toEqual([]);
      expect(processor.running()).toBe(true);
    } finally {
      await processor.stop('SIGTERM');
    }
  }, 240_000);
});
