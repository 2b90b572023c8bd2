import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { DLQ_HEADERS } from '../../runtime/dlq/dead-letter-message';
import { createKafkaJs } from '../../runtime/kafka/kafkajs-client';
import { kafkajsTransport } from '../../runtime/kafka/kafkajs-transport';
import { uncommittedRecords } from '../../runtime/kafka/uncommitted';
import { changelogTopic, dlqTopic, repartitionTopic } from '../../runtime/naming';
import { avroType } from '../../schemas/catalog';
import { AvroSerializer } from '../../schemas/serde/avro-serializer';
import { playbackEvent } from '../../schemas/testing/playback-event';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import type { PlaybackEvent } from '../../schemas/types.generated';
import type { ExpectedAggregates } from '../../simulator/expected';
import { produceScenario } from '../../simulator/produce';
import { scenarioSchema } from '../../simulator/scenario';
import { validate } from '../../simulator/validate';
import { connectClickhouse } from '../../sinks/clickhouse/connection';
import { RedisKeys } from '../../sinks/redis/keys';
import { killRepeatedly, startProcessor, stopAllProcessors, type Processor, type Progress } from '../helpers/processor';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/**
 * The accuracy suite: the playback-analytics topology end to end on the real stack, run as users
 * run it (`reelstream run playback-analytics`), fed by the seeded simulator (`simulator/`) and checked
 * by the same validation as `reelstream validate` — every Redis content-minute aggregate and every
 * ClickHouse rollup exact, and one raw row per produced event. Once clean, once with the processor
 * killed (SIGKILL) three times mid-run and restarted.
 *
 * The input is produced before the processor starts — a backlog, as after downtime or in a replay —
 * and the topology runs with its default 30 s grace: event-time-aligned consumption must make the
 * backlog give the results of live traffic, with no record late. The suite checks the DLQ is empty.
 */
const config = testConfig();
const kafka: Kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-accuracy-it' });
const registry = connectSchemaRegistry(config.schemaRegistry);
const redis = new Redis(config.redis.url);
const clickhouse = connectClickhouse(config.clickhouse);
const database = config.clickhouse.database;
const REPARTITIONS = ['by-content', 'by-live-event'];
const STORES = ['content-minute', 'content-10s', 'live-minute'];
let admin: Admin;
const cleanups: { app: string; topic: string; run: string }[] = [];

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await stopAllProcessors();
  for (const { app, topic, run } of cleanups) {
    await admin
      .deleteTopics({
        topics: [
          topic,
          dlqTopic(app),
          ...REPARTITIONS.map((name) => repartitionTopic(app, name)),
          ...STORES.map((store) => changelogTopic(app, store)),
        ],
      })
      .catch(() => undefined);
    await admin.deleteGroups([app]).catch(() => undefined);
    const keys = await redis.keys(`${run}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await clickhouse
      .command(`ALTER TABLE ${database}.playback_events DELETE WHERE source_topic = '${topic}'`)
      .catch(() => undefined);
    await clickhouse
      .command(`ALTER TABLE ${database}.playback_minute DELETE WHERE content_id LIKE '${run}%'`)
      .catch(() => undefined);
  }
  await admin.disconnect();
  redis.disconnect();
  await clickhouse.close();
});

async function prepare(prefix: string) {
  const run = uniqueName(prefix).replace(/_/g, '-');
  const app = `${run}-app`;
  const topic = `${run}-plays`;
  cleanups.push({ app, topic, run });
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  const scenario = scenarioSchema.parse({
    seed: 20261122,
    sessions: 2_000,
    durationSec: 240,
    contents: 20,
    contentPrefix: run,
    startMs: Math.floor((Date.now() - 4 * 3_600_000) / 60_000) * 60_000,
    liveEvent: { startSec: 60, endSec: 200, share: 0.1, rampSec: 30 },
  });
  const expectedFile = join(tmpdir(), `${run}-expected.json`);
  const produced = await produceScenario(scenario, config.kafka, registry, { topic, expectedFile });
  const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as ExpectedAggregates;
  return { run, app, topic, expected, startMs: scenario.startMs as number, produced: produced.events };
}

function startPipeline(app: string, topic: string, run: string, logFile: string): Processor {
  return startProcessor(
    ['playback-analytics', '--instance-id', 'only'],
    { PLAYBACK_APP: app, PLAYBACK_TOPIC: topic, REDIS_KEY_PREFIX: run },
    logFile,
  );
}

/** Done when the group's committed offsets reach the end of the input and both repartition topics. */
function uncommitted(app: string, topic: string): Promise<number> {
  return uncommittedRecords(admin, app, [
    { topic, transactional: false },
    ...REPARTITIONS.map((name) => ({ topic: repartitionTopic(app, name), transactional: true })),
  ]);
}

async function waitUntilCaughtUp(app: string, topic: string, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await uncommitted(app, topic)) === 0) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`${app} did not catch up within ${timeoutMs} ms`);
}

/** The crash test's measure: the counting stage's committed offsets, and whether all is processed. */
async function progress(app: string, topic: string): Promise<Progress> {
  const offsets = await admin.fetchOffsets({ groupId: app, topics: [repartitionTopic(app, 'by-content')] });
  const stateful = (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  return { stateful, caughtUp: (await uncommitted(app, topic)) === 0 };
}

/**
 * One later heartbeat per content moves every task's stream time past the measured windows' grace,
 * so each measured minute becomes final and is rolled up; the windows it opens are not measured.
 * Sent once everything else is processed: sent with a backlog it could overtake other partitions'
 * events in the repartition topic and make them late.
 */
async function closeWindows(topic: string, expected: ExpectedAggregates, startMs: number): Promise<number> {
  const serializer = new AvroSerializer<PlaybackEvent>(avroType('PlaybackEvent'), `${topic}-value`, registry);
  await serializer.init();
  const contents = [...new Set(expected.windows.filter((w) => w.view === 'content').map((window) => window.contentId))];
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: contents.map((contentId, i) => ({
      key: `closer-${i}`,
      value: serializer.encode(
        playbackEvent({
          eventId: `closer-${i}`,
          sessionId: `closer-${i}`,
          viewerId: 'closer',
          contentId,
          liveEventId: 'live-event-1',
          eventTimeMs: startMs + 3 * 3_600_000,
        }),
      ),
    })),
  });
  await producer.disconnect();
  return contents.length;
}

/** The DLQ's records by reason (read committed, as any consumer of it reads them). */
async function deadLetterReasons(app: string): Promise<Record<string, number>> {
  const reasons: Record<string, number> = {};
  const reader = kafkajsTransport(config.kafka).partitionReader();
  await reader.readToEnd([{ topic: dlqTopic(app), partition: 0 }], (record) => {
    const reason = record.headers?.[DLQ_HEADERS.reason] ?? 'unknown';
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  });
  await reader.disconnect();
  return reasons;
}

async function check(run: string, expected: ExpectedAggregates, closers: number) {
  expect(await deadLetterReasons(`${run}-app`)).toEqual({});
  const report = await validate(
    { ...expected, events: expected.events + closers },
    { redis, keys: new RedisKeys(run), clickhouse, database, finalBeforeMs: Number.POSITIVE_INFINITY },
  );
  return { lines: report.lines, differences: report.differences.slice(0, 8) };
}

describe('playback analytics accuracy on the real stack', () => {
  it('is exact in Redis and ClickHouse on a clean run', async () => {
    const { run, app, topic, expected, startMs } = await prepare('pa_clean');
    const processor = startPipeline(app, topic, run, join(tmpdir(), `${app}.log`));
    await waitUntilCaughtUp(app, topic);
    const closers = await closeWindows(topic, expected, startMs);
    await waitUntilCaughtUp(app, topic);
    await processor.stop('SIGTERM');
    expect((await check(run, expected, closers)).differences).toEqual([]);
  }, 400_000);

  it('is exact after SIGKILL three times mid-run and restarts', async () => {
    const { run, app, topic, expected, startMs } = await prepare('pa_kill');
    await killRepeatedly({
      kills: 3,
      start: (attempt) => startPipeline(app, topic, run, join(tmpdir(), `${app}-${attempt}.log`)),
      progress: () => progress(app, topic),
    });
    const last = startPipeline(app, topic, run, join(tmpdir(), `${app}-3.log`));
    // Restores what the third run committed (also when that run had already processed everything).
    await last.waitForLog('restored state from changelog');
    await waitUntilCaughtUp(app, topic);
    const closers = await closeWindows(topic, expected, startMs);
    await waitUntilCaughtUp(app, topic);
    await last.stop('SIGTERM');
    expect((await check(run, expected, closers)).differences).toEqual([]);
  }, 500_000);
});
