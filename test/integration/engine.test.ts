import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rdkafkaTransport } from '../../runtime/kafka/rdkafka/transport';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../../runtime/kafka/kafkajs/transport';
import { uncommittedRecords } from '../../runtime/kafka/uncommitted';
import { changelogTopic, dlqTopic, repartitionTopic } from '../../runtime/naming';
import { freePort } from '../helpers/free-port';
import { killRepeatedly, startProcessor, stopAllProcessors, type Processor } from '../helpers/processor';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';
import { kafkajsAdmin } from '../../runtime/kafka/kafkajs/admin';

/**
 * Engine acceptance on the real broker, for both transports: a windowed count over 200,000
 * records on 6 partitions equals the expected counts exactly — in a clean run, and in a run whose
 * processor is killed with SIGKILL three times and restarted (state restored from the changelog).
 */
type Transport = 'rdkafka' | 'kafkajs';
const transports: Transport[] = ['rdkafka', 'kafkajs'];
const RECORDS = 200_000;
const CONTENT_IDS = 37;
const config = testConfig();
const kafka: Kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-engine-it' });
const fixture = resolve(__dirname, '..', 'fixtures', 'windowed-count.ts');
const base = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
let admin: Admin;
const cleanups: { topics: string[]; group: string }[] = [];

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await stopAllProcessors();
  for (const { topics, group } of cleanups) {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups([group]).catch(() => undefined);
  }
  await admin.disconnect();
});

async function prepare(prefix: string, produceNow = RECORDS) {
  const app = uniqueName(prefix).replace(/_/g, '-');
  const input = `${app}-input`;
  const output = `${app}-output`;
  cleanups.push({
    group: app,
    topics: [input, output, repartitionTopic(app, 'by-content'), changelogTopic(app, 'counts'), dlqTopic(app)],
  });
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: input, numPartitions: 6 },
      { topic: output, numPartitions: 3 },
    ],
  });
  const expected = new Map<string, number>();
  await produceRecords(input, expected, 0, produceNow);
  return { app, input, output, expected };
}

/** Records `from` up to `to` of the input (200,000 records over ~33 minutes of event time), counted into `expected`. */
async function produceRecords(input: string, expected: Map<string, number>, from: number, to: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let start = from; start < to; start += 10_000) {
    const messages = [];
    for (let i = start; i < Math.min(to, start + 10_000); i += 1) {
      const contentId = `content-${(i * 7919) % CONTENT_IDS}`;
      const at = base + i * 10;
      const window = `${contentId}@${at - (at % 60_000)}`;
      expected.set(window, (expected.get(window) ?? 0) + 1);
      messages.push({ key: `session-${i % 5_000}`, value: JSON.stringify({ contentId, at }) });
    }
    await producer.send({ topic: input, messages });
  }
  await producer.disconnect();
}

function startEngine(
  app: string,
  input: string,
  output: string,
  logFile: string,
  transport: Transport,
  instanceId = 'only-instance',
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Processor {
  return startProcessor(
    [fixture, '--instance-id', instanceId, ...extraArgs],
    { ENGINE_APP: app, ENGINE_INPUT: input, ENGINE_OUTPUT: output, KAFKA_TRANSPORT: transport, ...env },
    logFile,
  );
}

/**
 * How far the group got: the committed offsets summed over the repartition topic (the counting
 * stage, whose state goes to the changelog), and whether everything produced is committed.
 */
async function groupProgress(
  app: string,
  input: string,
  produced = RECORDS,
): Promise<{ counted: number; caughtUp: boolean }> {
  const repartition = repartitionTopic(app, 'by-content');
  const offsets = await admin.fetchOffsets({ groupId: app, topics: [repartition] }).catch(() => []);
  const counted = (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  const inputEnd = (await admin.fetchTopicOffsets(input)).reduce((sum, p) => sum + Number(p.high), 0);
  const behind = await uncommittedRecords(
    kafkajsAdmin(admin),
    app,
    [
      { topic: input, transactional: false },
      { topic: repartition, transactional: true },
    ],
    () => rdkafkaTransport(config.kafka).partitionReader(),
  );
  return { counted, caughtUp: inputEnd === produced && behind === 0 };
}

async function waitUntilCaughtUp(app: string, input: string, timeoutMs = 240_000, produced = RECORDS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await groupProgress(app, input, produced)).caughtUp) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`${app} did not catch up within ${timeoutMs} ms`);
}

/**
 * The last committed update per window, as a dashboard overwriting keys would see it. Read with the
 * runtime's restore reader (read_committed, to each partition's end): a partition may end with an
 * aborted transaction and its marker (a rebalance aborts the open transaction), so no committed
 * record need sit near the end offset.
 */
async function readCounts(output: string): Promise<Map<string, number>> {
  const partitions = (await admin.fetchTopicOffsets(output)).map(({ partition }) => ({ topic: output, partition }));
  const counts = new Map<string, number>();
  const reader = kafkajsTransport(config.kafka).partitionReader();
  try {
    await reader.readToEnd(partitions, (record) => {
      const key = JSON.parse(String(record.key)) as { key: string; start: number };
      counts.set(`${key.key}@${key.start}`, (JSON.parse(String(record.value)) as { aggregate: number }).aggregate);
    });
  } finally {
    await reader.disconnect();
  }
  return counts;
}

function compare(actual: Map<string, number>, expected: Map<string, number>) {
  const wrong = [...expected].filter(([window, count]) => actual.get(window) !== count).slice(0, 5);
  return {
    windows: actual.size,
    expectedWindows: expected.size,
    wrong,
    total: [...actual.values()].reduce((a, b) => a + b, 0),
  };
}

/** Resolves once the output holds exactly the expected counts; fails with the last comparison otherwise. */
async function waitForExactCounts(output: string, expected: Map<string, number>, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: ReturnType<typeof compare> | undefined;
  while (Date.now() < deadline) {
    last = compare(await readCounts(output), expected);
    if (last.wrong.length === 0 && last.windows === last.expectedWindows && last.total === RECORDS) return;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  throw new Error(`output not exact within ${timeoutMs} ms: ${JSON.stringify(last).slice(0, 500)}`);
}

/** Resolves once the instance logging to `logFile` was assigned at least one task. */
async function waitForAssignedTasks(logFile: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const assigned = (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '')
      .split('\n')
      .filter((line) => line.includes('"msg":"tasks assigned"'))
      .map((line) => JSON.parse(line) as { tasks: string[] });
    if (assigned.some((entry) => entry.tasks.length > 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${logFile}: no task assigned within ${timeoutMs} ms`);
}

describe.each(transports)('the Kafka runtime (%s, real broker)', (transport) => {
  it(`counts ${RECORDS.toLocaleString('en-US')} records over 6 partitions exactly`, async () => {
    const { app, input, output, expected } = await prepare(`engine_clean_${transport}`);
    const metricsPort = await freePort();
    const processor = startEngine(app, input, output, join(tmpdir(), `${app}.log`), transport, 'only-instance', [
      '--metrics-port',
      String(metricsPort),
    ]);
    await waitUntilCaughtUp(app, input);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await processor.stop('SIGTERM');
    expect(metrics).toContain(`reelstream_records_processed_total{application="${app}",topic="${input}"} ${RECORDS}`);
    expect(metrics).toMatch(/reelstream_commit_duration_seconds_count\{application="[^"]+"\} [1-9]/);
    expect(compare(await readCounts(output), expected)).toEqual({
      windows: expected.size,
      expectedWindows: expected.size,
      wrong: [],
      total: RECORDS,
    });
  }, 300_000);

  it('is exact after SIGKILL at three random points, restoring state from the changelog', async () => {
    const { app, input, output, expected } = await prepare(`engine_kill_${transport}`);
    // One log per process. Kill on progress, not on the clock (a cold machine starts slowly): every
    // restarted process first restores what its predecessor committed, then commits more of its own,
    // and is killed at a random moment after that.
    const logFiles = [0, 1, 2, 3].map((run) => join(tmpdir(), `${app}-${run}.log`));
    const kills = await killRepeatedly({
      kills: 3,
      start: (run) => startEngine(app, input, output, logFiles[run] as string, transport),
      progress: async () => {
        const { counted, caughtUp } = await groupProgress(app, input);
        return { stateful: counted, caughtUp };
      },
    });
    // Every kill landed mid-run: part of the input was still uncounted when it struck.
    expect(kills.map((kill) => kill.caughtUp)).toEqual([false, false, false]);
    const last = startEngine(app, input, output, logFiles[3] as string, transport);
    // Restores what the third run committed (also when that run had already processed everything).
    await last.waitForLog('restored state from changelog');
    await waitUntilCaughtUp(app, input);
    await last.stop('SIGTERM');
    expect(compare(await readCounts(output), expected)).toEqual({
      windows: expected.size,
      expectedWindows: expected.size,
      wrong: [],
      total: RECORDS,
    });
  }, 400_000);

  it('with on-disk stores (LMDB): exact after SIGKILL twice; after a clean stop a restart reads only the changelog tail', async () => {
    const { app, input, output, expected } = await prepare(`engine_disk_${transport}`, RECORDS / 2);
    const stateDir = mkdtempSync(join(tmpdir(), `${app}-state-`));
    const onDisk = { REELSTREAM_STATE_STORE: 'lmdb', REELSTREAM_STATE_DIR: stateDir };
    const logFiles = [0, 1, 2, 3].map((run) => join(tmpdir(), `${app}-${run}.log`));
    const start = (run: number) =>
      startEngine(app, input, output, logFiles[run] as string, transport, 'only-instance', [], onDisk);
    try {
      // A crash leaves no checkpoint: each restart empties its stores and restores the whole changelog.
      const kills = await killRepeatedly({
        kills: 2,
        start,
        progress: async () => {
          const { counted, caughtUp } = await groupProgress(app, input, RECORDS / 2);
          return { stateful: counted, caughtUp };
        },
      });
      expect(kills.map((kill) => kill.caughtUp)).toEqual([false, false]);
      const third = start(2);
      await third.waitForLog('restored state from changelog');
      await waitUntilCaughtUp(app, input, 240_000, RECORDS / 2);
      await third.stop('SIGTERM'); // clean: every store gets a checkpoint
      await produceRecords(input, expected, RECORDS / 2, RECORDS);
      const fourth = start(3);
      await fourth.waitForLog('restored state from changelog');
      const restore = readFileSync(logFiles[3] as string, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"msg":"restored state from changelog"'))
        .map((line) => JSON.parse(line) as { restored: number; held: number; resumedFromCheckpoint: number })[0];
      // Nothing was written to the changelog since the clean stop: nothing to read, everything held.
      expect(restore).toMatchObject({ restored: 0, resumedFromCheckpoint: 6 });
      expect(restore?.held).toBeGreaterThan(0);
      await waitUntilCaughtUp(app, input);
      await fourth.stop('SIGTERM');
      expect(compare(await readCounts(output), expected)).toEqual({
        windows: expected.size,
        expectedWindows: expected.size,
        wrong: [],
        total: RECORDS,
      });
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 400_000);

  it('stays exact when a second instance joins mid-run (rebalance)', async () => {
    // Half the input before the second instance joins, half after it was given tasks: the rebalance
    // lands mid-run by construction, and the second instance has records of its own to process.
    const { app, input, output, expected } = await prepare(`engine_join_${transport}`, RECORDS / 2);
    const logA = join(tmpdir(), `${app}-a.log`);
    const logB = join(tmpdir(), `${app}-b.log`);
    const first = startEngine(app, input, output, logA, transport, 'instance-a');
    // The second instance joins once the first has committed counting progress of its own.
    await first.waitForLog('tasks assigned');
    for (let started = Date.now(); (await groupProgress(app, input)).counted === 0;) {
      if (Date.now() - started > 120_000) throw new Error('the first instance made no progress');
      await new Promise((r) => setTimeout(r, 100));
    }
    const second = startEngine(app, input, output, logB, transport, 'instance-b');
    // The rebalance really gave the second instance tasks, while input was still unprocessed.
    await waitForAssignedTasks(logB);
    await produceRecords(input, expected, RECORDS / 2, RECORDS);
    // Done when the output is exact. (Committed offsets are no measure here: after a rebalance a
    // repartition partition may end in an aborted transaction, which no commit ever covers.)
    await waitForExactCounts(output, expected);
    await Promise.all([first.stop('SIGTERM'), second.stop('SIGTERM')]);
    expect(compare(await readCounts(output), expected)).toEqual({
      windows: expected.size,
      expectedWindows: expected.size,
      wrong: [],
      total: RECORDS,
    });
    // Both instances processed records of their own.
    for (const log of [logA, logB]) {
      const stopped = readFileSync(log, 'utf8')
        .split('\n')
        .find((line) => line.includes('"msg":"stopped"'));
      expect(JSON.parse(stopped ?? '{}').processed).toBeGreaterThan(0);
    }
  }, 300_000);
});

describe('the Kafka runtime with two stream threads under one command (kafkajs, real broker)', () => {
  it('spreads the tasks over both threads, counts exactly, and sums the metrics across them', async () => {
    const { app, input, output, expected } = await prepare('engine_threads');
    const metricsPort = await freePort();
    const logFile = join(tmpdir(), `${app}.log`);
    const processor = startEngine(app, input, output, logFile, 'kafkajs', 'threaded', [
      '--threads',
      '2',
      '--metrics-port',
      String(metricsPort),
    ]);
    await waitUntilCaughtUp(app, input);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await processor.stop('SIGTERM');
    expect(compare(await readCounts(output), expected)).toEqual({
      windows: expected.size,
      expectedWindows: expected.size,
      wrong: [],
      total: RECORDS,
    });
    // Both threads were given tasks and processed records of their own; /metrics sums them.
    const lines = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; instanceId?: string; tasks?: string[]; processed?: number });
    const lastAssigned = new Map<string, string[]>();
    for (const line of lines)
      if (line.msg === 'tasks assigned') lastAssigned.set(line.instanceId ?? '', line.tasks ?? []);
    expect([...lastAssigned.keys()].sort()).toEqual(['threaded-1', 'threaded-2']);
    for (const tasks of lastAssigned.values()) expect(tasks.length).toBeGreaterThan(0);
    const processed = lines
      .filter((line) => line.msg === 'stopped' && line.instanceId !== undefined)
      .map((line) => line.processed ?? 0);
    expect(processed).toHaveLength(2);
    for (const count of processed) expect(count).toBeGreaterThan(0);
    // /metrics is the sum of both threads: what they processed, input and repartition records
    // (a record processed in a transaction a rebalance aborted is processed, and counted, again).
    const processedMetric = (topic: string) =>
      Number(
        new RegExp(`reelstream_records_processed_total\\{application="${app}",topic="${topic}"\\} (\\d+)`).exec(
          metrics,
        )?.[1],
      );
    expect(processedMetric(input)).toBeGreaterThanOrEqual(RECORDS);
    expect(processedMetric(input) + processedMetric(repartitionTopic(app, 'by-content'))).toBe(
      processed.reduce((sum, count) => sum + count, 0),
    );
  }, 300_000);
});
