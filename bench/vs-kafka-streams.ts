/**
 * npm run bench:vs-kafka-streams — the same windowed count on Apache Kafka Streams 3.9 and on
 * reelstream, on the same pre-produced topic, in the same run, alternating ROUNDS times (default 3).
 * Each system runs as its own process (Kafka Streams: bench/kafka-streams, built here with Maven,
 * one stream thread, exactly_once_v2; reelstream: `reelstream run bench/topologies/windowed-count.ts`
 * on TRANSPORT, default rdkafka, with one stream thread and with `--threads 2`), with the same commit
 * interval (COMMIT_INTERVAL_MS, default 1000).
 * Measured from the group's first committed progress until it committed the whole input and the
 * repartition topic: input records/s, CPU-seconds per million input records and peak RSS of the
 * process; the output of each run is checked against the expected count of every window.
 * RECORDS (default 2,000,000) changes the input; SYSTEMS picks a subset; PROFILE_DIR writes a CPU
 * profile of each reelstream process. Needs `reelstream stack up`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Admin } from 'kafkajs';
import { loadConfig } from '../runtime/config/load';
import { kafkajsAdmin } from '../runtime/kafka/kafkajs/admin';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../runtime/kafka/kafkajs/transport';
import { uncommittedRecords } from '../runtime/kafka/uncommitted';
import { treeCpuSeconds, treePeakRssBytes } from './process-stats';
import { expectedCounts, produceViewEvents } from './view-events';
import { rdkafkaTransport } from '../runtime/kafka/rdkafka/transport';

const RECORDS = Number(process.env.RECORDS ?? 2_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const COMMIT_INTERVAL_MS = Number(process.env.COMMIT_INTERVAL_MS ?? 1_000);
const TRANSPORT = process.env.TRANSPORT === 'kafkajs' ? 'kafkajs' : 'rdkafka';
const config = loadConfig();
const root = resolve(__dirname, '..');
const streamsProject = join(root, 'bench', 'kafka-streams');
const run = `vsks-${Date.now().toString(36)}`;
const input = `${run}-input`;

interface Measurement {
  system: string;
  recordsPerSecond: number;
  cpuSecondsPerMillion: number;
  peakRssMiB: number;
}

function buildKafkaStreams(): string {
  const jar = join(streamsProject, 'target', 'kafka-streams-windowed-count-1.0.0.jar');
  if (!existsSync(jar)) {
    console.log('building bench/kafka-streams with Maven…');
    const built = spawnSync('mvn', ['-q', '-B', 'package', '-DskipTests'], { cwd: streamsProject, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('mvn package failed in bench/kafka-streams');
  }
  return `${jar}:${join(streamsProject, 'target', 'lib', '*')}`;
}

function startKafkaStreams(classpath: string, app: string, output: string, stateDir: string): ChildProcess {
  return spawn(
    'java',
    [
      '-Xmx1g',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      classpath,
      'reelstream.bench.WindowedCount',
      config.kafka.brokers.join(','),
      app,
      input,
      output,
      String(COMMIT_INTERVAL_MS),
      stateDir,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

function startReelstream(app: string, output: string, threads: number): ChildProcess {
  // PROFILE_DIR: a CPU profile of each reelstream process (node --cpu-prof), to see what bounds it.
  const profile = process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [];
  return spawn(
    process.execPath,
    [
      ...profile,
      join(root, 'bin', 'reelstream.js'),
      'run',
      join(root, 'bench', 'topologies', 'windowed-count.ts'),
      '--commit-interval',
      String(COMMIT_INTERVAL_MS),
      '--threads',
      String(threads),
    ],
    {
      env: {
        ...process.env,
        BENCH_APP: app,
        BENCH_INPUT: input,
        BENCH_OUTPUT: output,
        KAFKA_TRANSPORT: TRANSPORT,
        REELSTREAM_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

async function committedInput(admin: Admin, app: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId: app, topics: [input] }).catch(() => []);
  return (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** Runs one system from start until its group committed everything; measures the process meanwhile. */
async function measure(system: string, admin: Admin, app: string, start: () => ChildProcess): Promise<Measurement> {
  const child = start();
  const pid = child.pid as number;
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 30 * 60_000;
  let startedAt = 0;
  let cpuAtStart = 0;
  let committedAtStart = 0;
  for (;;) {
    if (exited) throw new Error(`${system} exited before it caught up`);
    if (Date.now() > deadline) throw new Error(`${system} did not catch up within 30 minutes`);
    const committed = await committedInput(admin, app);
    if (startedAt === 0 && committed > 0) {
      startedAt = Date.now();
      cpuAtStart = treeCpuSeconds(pid);
      committedAtStart = committed;
    }
    if (startedAt > 0 && committed >= RECORDS) {
      const behind = await uncommittedRecords(
        kafkajsAdmin(admin),
        app,
        [
          { topic: input, transactional: false },
          { topic: `${app}-by-content-repartition`, transactional: true },
        ],
        () => rdkafkaTransport(config.kafka).partitionReader(),
      );
      if (behind === 0) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - startedAt) / 1000;
  const cpu = treeCpuSeconds(pid) - cpuAtStart;
  const rss = treePeakRssBytes(pid);
  const counted = RECORDS - committedAtStart;
  child.kill('SIGTERM');
  await new Promise((r) => (exited ? r(undefined) : child.once('exit', r)));
  return {
    system,
    recordsPerSecond: counted / seconds,
    cpuSecondsPerMillion: (cpu / counted) * 1_000_000,
    peakRssMiB: rss / 1024 / 1024,
  };
}

/** The last count per window in an output topic, read_committed, normalised to "contentId@start". */
async function outputCounts(output: string, admin: Admin, format: 'streams' | 'reelstream') {
  const partitions = (await admin.fetchTopicOffsets(output)).map(({ partition }) => ({ topic: output, partition }));
  const counts = new Map<string, number>();
  const reader = kafkajsTransport(config.kafka).partitionReader();
  try {
    await reader.readToEnd(partitions, (record) => {
      if (format === 'streams') counts.set(String(record.key), Number(String(record.value)));
      else {
        const key = JSON.parse(String(record.key)) as { key: string; start: number };
        counts.set(`${key.key}@${key.start}`, (JSON.parse(String(record.value)) as { aggregate: number }).aggregate);
      }
    });
  } finally {
    await reader.disconnect();
  }
  return counts;
}

function sameCounts(actual: Map<string, number>, expected: Map<string, number>): string | undefined {
  if (actual.size !== expected.size) return `${actual.size} windows, expected ${expected.size}`;
  for (const [window, count] of expected)
    if (actual.get(window) !== count) return `window ${window}: ${actual.get(window)}, expected ${count}`;
  return undefined;
}

/** Deletes every topic and group of the run, at its end (kafkajs's admin refuses later calls once a topic it knows is gone). */
async function cleanUp(admin: Admin, apps: readonly string[]): Promise<void> {
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(run));
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.deleteGroups([...apps]).catch(() => undefined);
}

void (async () => {
  const classpath = buildKafkaStreams();
  const admin = createKafkaJs(config.kafka).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: input, numPartitions: 6 }], waitForLeaders: true });
  const producing = Date.now();
  const base = await produceViewEvents(config.kafka.brokers, input, RECORDS);
  console.log(
    `pre-produced ${RECORDS.toLocaleString('en-US')} records in ${((Date.now() - producing) / 1000).toFixed(1)} s`,
  );
  const expected = expectedCounts(RECORDS, base);
  const results: Measurement[] = [];
  const ours = `reelstream-${TRANSPORT}`;
  const ours2 = `${ours}-2-threads`;
  // SYSTEMS=kafka-streams,reelstream-rdkafka runs a subset (the ratios need kafka-streams and both of ours).
  const systems = ['kafka-streams', ours, ours2].filter(
    (system) => !process.env.SYSTEMS || process.env.SYSTEMS.split(',').includes(system),
  );
  const apps: string[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const system of systems) {
      const app = `${run}-${system}-${round}`;
      const output = `${app}-out`;
      await admin.createTopics({ topics: [{ topic: output, numPartitions: 6 }], waitForLeaders: true });
      const stateDir = mkdtempSync(join(tmpdir(), 'reelstream-vsks-'));
      try {
        const result = await measure(system, admin, app, () =>
          system === 'kafka-streams'
            ? startKafkaStreams(classpath, app, output, stateDir)
            : startReelstream(app, output, system === ours2 ? 2 : 1),
        );
        const wrong = sameCounts(
          await outputCounts(output, admin, system === 'kafka-streams' ? 'streams' : 'reelstream'),
          expected,
        );
        if (wrong) throw new Error(`${system} round ${round}: output counts wrong: ${wrong}`);
        results.push(result);
        console.log(
          `round ${round} ${system.padEnd(18)} ${Math.round(result.recordsPerSecond).toLocaleString('en-US').padStart(9)} input records/s  ` +
            `${result.cpuSecondsPerMillion.toFixed(1).padStart(5)} CPU-s per million  peak RSS ${Math.round(result.peakRssMiB)} MiB  (counts exact)`,
        );
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
        apps.push(app);
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const of = (system: string, pick: (m: Measurement) => number) =>
    median(results.filter((m) => m.system === system).map(pick));
  if (systems.length === 3) {
    const rate = of(ours, (m) => m.recordsPerSecond) / of('kafka-streams', (m) => m.recordsPerSecond);
    const cpu = of(ours, (m) => m.cpuSecondsPerMillion) / of('kafka-streams', (m) => m.cpuSecondsPerMillion);
    const rss = of(ours, (m) => m.peakRssMiB) / of('kafka-streams', (m) => m.peakRssMiB);
    console.log(
      `medians of ${ROUNDS} rounds — reelstream/Kafka Streams: rate ${rate.toFixed(2)}×, CPU-s per million ${cpu.toFixed(2)}×, peak RSS ${rss.toFixed(2)}×`,
    );
    const threads = of(ours2, (m) => m.recordsPerSecond) / of(ours, (m) => m.recordsPerSecond);
    const threadsVsStreams = of(ours2, (m) => m.recordsPerSecond) / of('kafka-streams', (m) => m.recordsPerSecond);
    console.log(
      `reelstream --threads 2: rate ${threads.toFixed(2)}× one thread, ${threadsVsStreams.toFixed(2)}× Kafka Streams (one stream thread)`,
    );
  }
  await cleanUp(admin, apps);
  await admin.disconnect();
  console.log(
    `node ${process.version}, ${process.env.JAVA_HOME ?? 'java on PATH'}, commit interval ${COMMIT_INTERVAL_MS} ms`,
  );
})().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
