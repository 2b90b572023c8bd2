import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { createKafkaJs } from '../../runtime/kafka/kafkajs-client';
import { uncommittedRecords } from '../../runtime/kafka/uncommitted';
import { changelogTopic, dlqTopic, repartitionTopic } from '../../runtime/naming';
import { avroType } from '../../schemas/catalog';
import { AvroSerializer } from '../../schemas/serde/avro-serializer';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import type { PlaybackEvent } from '../../schemas/types.generated';
import type { ExpectedAggregates } from '../../simulator/expected';
import { produceScenario } from '../../simulator/produce';
import { scenarioSchema } from '../../simulator/scenario';
import { validate } from '../../simulator/validate';
import { connectClickhouse } from '../../sinks/clickhouse/connection';
import { RedisKeys } from '../../sinks/redis/keys';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/**
 * The accuracy suite: the playback-analytics topology end to end on the real stack, run as users
 * run it (`reelstream run playback-analytics`), fed by the seeded simulator (`simulator/`) and checked
 * by the same validation as `reelstream validate` — every Redis content-minute aggregate and every
 * ClickHouse rollup exact, and one raw row per produced event. Once clean, once with the processor
 * killed (SIGKILL) three times mid-run and restarted.
 *
 * The grace period is 2 h here (PLAYBACK_GRACE): the suite measures exactness across crashes, and a
 * backlog replayed after downtime interleaves the input partitions' event times by minutes in the
 * repartition topics; lateness (records older than the grace period go to the DLQ) has unit tests.
 */
const config = testConfig();
const kafka: Kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-accuracy-it' });
const cli = resolve(__dirname, '..', '..', 'bin', 'reelstream.js');
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

function startProcessor(app: string, topic: string, run: string, logFile: string): ChildProcess {
  const child = spawn(process.execPath, [cli, 'run', 'playback-analytics', '--instance-id', 'only'], {
    env: {
      ...process.env,
      PLAYBACK_APP: app,
      PLAYBACK_TOPIC: topic,
      PLAYBACK_GRACE: '2h',
      REDIS_KEY_PREFIX: run,
      REELSTREAM_LOG_FORMAT: 'json',
      REELSTREAM_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** Done when the group's committed offsets reach the end of the input and both repartition topics. */
async function waitUntilCaughtUp(app: string, topic: string, timeoutMs = 240_000): Promise<void> {
  const topics = [
    { topic, transactional: false },
    ...REPARTITIONS.map((name) => ({ topic: repartitionTopic(app, name), transactional: true })),
  ];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await uncommittedRecords(admin, app, topics)) === 0) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`${app} did not catch up within ${timeoutMs} ms`);
}

/** Waits until the counting stage has committed something, so a kill leaves state to restore. */
async function waitForProgress(app: string, above: number): Promise<number> {
  const topic = repartitionTopic(app, 'by-content');
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const offsets = await admin.fetchOffsets({ groupId: app, topics: [topic] }).catch(() => []);
    const total = (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    if (total > above) return total;
    await new Promise((r) => setTimeout(r, 200));
  }
  return above;
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
  const contents = [...new Set(expected.windows.map((window) => window.contentId))];
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: contents.map((contentId, i) => ({
      key: `closer-${i}`,
      value: serializer.encode({
        eventId: `closer-${i}`,
        sessionId: `closer-${i}`,
        viewerId: 'closer',
        contentId,
        liveEventId: 'live-event-1',
        eventType: 'heartbeat',
        eventTimeMs: startMs + 3 * 3_600_000,
        positionMs: 0,
        bitrateKbps: 0,
        bufferingMs: 0,
        startupTimeMs: null,
        errorCode: null,
        deviceType: 'tv',
        region: 'eu-west',
        cdnEdge: 'edge-0',
        viewerTier: 'basic',
        appVersion: '5.2.0',
      }),
    })),
  });
  await producer.disconnect();
  return contents.length;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

async function check(run: string, expected: ExpectedAggregates, closers: number) {
  const report = await validate(
    { ...expected, events: expected.events + closers },
    { redis, keys: new RedisKeys(run), clickhouse, database, finalBeforeMs: Number.POSITIVE_INFINITY },
  );
  return { lines: report.lines, differences: report.differences.slice(0, 8) };
}

describe('playback analytics accuracy on the real stack', () => {
  it('is exact in Redis and ClickHouse on a clean run', async () => {
    const { run, app, topic, expected, startMs } = await prepare('pa_clean');
    const child = startProcessor(app, topic, run, join(tmpdir(), `${app}.log`));
    await waitUntilCaughtUp(app, topic);
    const closers = await closeWindows(topic, expected, startMs);
    await waitUntilCaughtUp(app, topic);
    await stop(child, 'SIGTERM');
    expect((await check(run, expected, closers)).differences).toEqual([]);
  }, 400_000);

  it('is exact after SIGKILL three times mid-run and restarts', async () => {
    const { run, app, topic, expected, startMs } = await prepare('pa_kill');
    const logFile = join(tmpdir(), `${app}.log`);
    let progress = 0;
    for (let kill = 0; kill < 3; kill += 1) {
      const child = startProcessor(app, topic, run, logFile);
      progress = await waitForProgress(app, progress);
      await new Promise((r) => setTimeout(r, Math.random() * 1_500));
      await stop(child, 'SIGKILL');
    }
    const last = startProcessor(app, topic, run, logFile);
    await waitUntilCaughtUp(app, topic);
    const closers = await closeWindows(topic, expected, startMs);
    await waitUntilCaughtUp(app, topic);
    await stop(last, 'SIGTERM');
    expect((await check(run, expected, closers)).differences).toEqual([]);
    expect(readFileSync(logFile, 'utf8')).toMatch(/"msg":"restored state from changelog"/);
  }, 500_000);
});
