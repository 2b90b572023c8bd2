/**
 * npm run bench:e2e — the playback-analytics pipeline end to end on the local stack, per transport:
 *
 *   1. EVENTS (default 5,000,000) simulated playback events pre-produced as Avro to a 6-partition
 *      topic (node-rdkafka), so the producer does not compete;
 *   2. per transport, the raw consume-only rate of that client on the topic, then the topology from the
 *      start of the topic to caught up (consume → decode → aggregate → Redis + ClickHouse, offsets
 *      committed): events/s, CPU seconds used by this process (events per CPU-second = per core), peak RSS;
 *   3. per transport, latency at half that rate: the simulator plays in real time while probe events
 *      (one `start` every 100 ms on a content of their own) are timed from send until the Redis
 *      aggregate counts them — the event-to-Redis latency a dashboard sees, p50 and p99.
 *
 * Needs `reelstream stack up`. EVENTS=n and TRANSPORTS=kafkajs,rdkafka change the run; topics and
 * groups are per run and deleted afterwards (Redis keys and ClickHouse rows stay, under their prefix).
 */
import Redis from 'ioredis';
import type { Admin } from 'kafkajs';
import { migrateDatabase } from '../infra/clickhouse/migrate';
import { StreamApplication } from '../runtime/app/stream-application';
import { loadConfig } from '../runtime/config/load';
import { createTransport } from '../runtime/kafka/create-transport';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';
import { uncommittedRecords } from '../runtime/kafka/uncommitted';
import { changelogTopic, dlqTopic, repartitionTopic } from '../runtime/naming';
import { connectSchemaRegistry } from '../schemas/serde/registry-client';
import { produceScenario } from '../simulator/produce';
import { scenarioSchema } from '../simulator/scenario';
import { RedisKeys } from '../sinks/redis/keys';
import { latencyPercentile, RedisLatencyProbe } from '../simulator/latency-probe';
import { createSinkResolver } from '../cli/sink-resolver';
import { loadTopology } from '../cli/topology-loader';
import { rawConsumeRate } from './raw-consume';
import { kafkajsAdmin } from '../runtime/kafka/kafkajs/admin';
import { rdkafkaTransport } from '../runtime/kafka/rdkafka/transport';

const EVENTS = Number(process.env.EVENTS ?? 5_000_000);
const TRANSPORTS = (process.env.TRANSPORTS ?? 'rdkafka,kafkajs').split(',') as ('rdkafka' | 'kafkajs')[];
const config = loadConfig();
const registry = connectSchemaRegistry(config.schemaRegistry);
const run = `e2e${Date.now().toString(36)}`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function createTopic(admin: Admin, topic: string): Promise<void> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6 }] });
}

async function deleteRun(admin: Admin, app: string, input?: string): Promise<void> {
  await admin
    .deleteTopics({
      topics: [
        ...(input ? [input] : []),
        rollupsOf(app),
        sampleLedgerOf(app),
        dlqTopic(app),
        dlqTopic(historyOf(app)),
        repartitionTopic(app, 'by-content'),
        repartitionTopic(app, 'by-live-event'),
        ...['content-minute', 'content-10s', 'live-minute'].map((store) => changelogTopic(app, store)),
      ],
    })
    .catch(() => undefined);
  await admin.deleteGroups([app, historyOf(app)]).catch(() => undefined);
}

const historyOf = (app: string) => `${app}-history`;
const rollupsOf = (app: string) => `${app}-rollups`;
const sampleLedgerOf = (app: string) => `${app}-sample-ledger`;

/** Records either path has not committed yet: the real-time one's input and repartitions, the historical one's input and rollups. */
async function behind(admin: Admin, app: string, topic: string): Promise<number> {
  const uncommitted = (group: string, topics: { topic: string; transactional: boolean }[]) =>
    uncommittedRecords(kafkajsAdmin(admin), group, topics, () => rdkafkaTransport(config.kafka).partitionReader());
  return (
    (await uncommitted(app, [
      { topic, transactional: false },
      ...['by-content', 'by-live-event'].map((name) => ({ topic: repartitionTopic(app, name), transactional: true })),
    ])) +
    (await uncommitted(historyOf(app), [
      { topic, transactional: false },
      { topic: rollupsOf(app), transactional: true },
      { topic: sampleLedgerOf(app), transactional: true },
    ]))
  );
}

/**
 * The pipeline as `reelstream run playback-analytics playback-history` runs it, in this process: the
 * real-time application (Redis) and the historical one (ClickHouse), each committing on its own.
 */
async function pipeline(admin: Admin, transport: 'rdkafka' | 'kafkajs', app: string, topic: string, grace: string) {
  await createTopic(admin, rollupsOf(app));
  await createTopic(admin, sampleLedgerOf(app));
  process.env.PLAYBACK_TOPIC = topic;
  process.env.PLAYBACK_APP = app;
  process.env.PLAYBACK_HISTORY_APP = historyOf(app);
  process.env.PLAYBACK_ROLLUPS_TOPIC = rollupsOf(app);
  process.env.PLAYBACK_SAMPLE_LEDGER_TOPIC = sampleLedgerOf(app);
  process.env.PLAYBACK_GRACE = grace;
  // Each run needs its own module instances: the topologies read their names from the environment on load.
  for (const key of Object.keys(require.cache))
    if (key.includes('topologies/playback-analytics') || key.includes('topologies/playback-history'))
      delete require.cache[key];
  const applications = [
    { name: 'playback-analytics', applicationId: app },
    { name: 'playback-history', applicationId: historyOf(app) },
  ].map(({ name, applicationId }) => {
    const sinks = createSinkResolver({ ...config, redis: { ...config.redis, keyPrefix: run } }, applicationId);
    const instance = new StreamApplication({
      topology: loadTopology(name),
      applicationId,
      transport: createTransport({ ...config.kafka, transport }),
      admin: kafkajsAdmin(admin),
      instanceId: `${applicationId}-bench`,
      sinks: sinks.resolve,
      registry,
    });
    return { instance, sinks };
  });
  let running: Promise<void>[] = [];
  return {
    async start() {
      for (const { instance } of applications) await instance.start();
      running = applications.map(({ instance }) => instance.run());
    },
    /** Records taken through the real-time application's tasks. */
    processed: () => applications[0]?.instance.stats.processed ?? 0,
    async stop() {
      for (const { instance } of applications) instance.stop();
      await Promise.all(running);
      for (const { instance, sinks } of applications) {
        await instance.close();
        await sinks.close();
      }
    },
  };
}

async function throughput(admin: Admin, transport: 'rdkafka' | 'kafkajs', topic: string, events: number) {
  const app = `${run}-${transport}`;
  // The whole topic is a backlog: partitions interleave by minutes of event time in the repartition
  // topics, so a long grace keeps this a measure of speed, not of lateness.
  const running = await pipeline(admin, transport, app, topic, '2h');
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  await running.start();
  while ((await behind(admin, app, topic)) > 0 || running.processed() === 0)
    await new Promise((r) => setTimeout(r, 500));
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await running.stop();
  clearInterval(sampler);
  await deleteRun(admin, app); // the input stays for the next transport
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { eventsPerSecond: events / seconds, eventsPerCpuSecond: events / cpuSeconds, cpuSeconds, seconds, peakRss };
}

/** Real-time play at `rate` events/s with timed probe events; returns event-to-Redis latencies (ms). */
async function latency(admin: Admin, transport: 'rdkafka' | 'kafkajs', rate: number, seconds: number) {
  const app = `${run}-${transport}-latency`;
  const topic = `${run}-${transport}-latency-input`;
  await createTopic(admin, topic);
  const running = await pipeline(admin, transport, app, topic, '30s');
  await running.start();
  await new Promise((r) => setTimeout(r, 5_000)); // joined and assigned

  const redis = new Redis(config.redis.url);
  const probe = new RedisLatencyProbe({
    kafka: createKafkaJs(config.kafka),
    registry,
    redis,
    keys: new RedisKeys(run),
    topic,
    contentId: `${run}-${transport}-probe`,
  });
  await probe.start();
  // The audience in real time: one simulated second per wall-clock second at `rate` events/s.
  const heartbeatSec = 10;
  const scenario = scenarioSchema.parse({
    sessions: Math.max(1, Math.round(rate * heartbeatSec)),
    durationSec: seconds,
    heartbeatSec,
    contentPrefix: `${run}-${transport}-rt`,
    startMs: Date.now(),
  });
  await produceScenario(scenario, config.kafka, registry, { topic, rate });
  const samples = await probe.stop();
  redis.disconnect();
  await running.stop();
  await deleteRun(admin, app, topic);
  return {
    probes: samples.length,
    seen: samples.filter((sample) => sample.latencyMs !== undefined).length,
    p50: latencyPercentile(samples, 0.5),
    p99: latencyPercentile(samples, 0.99),
  };
}

void (async () => {
  const admin = createKafkaJs(config.kafka).admin();
  await admin.connect();
  await migrateDatabase(config.clickhouse);
  const input = `${run}-input`;
  await createTopic(admin, input);
  // ~EVENTS events: sessions × durationSec / heartbeat events, minus the sessions' quiet starts.
  const sessions = 100_000;
  const scenario = scenarioSchema.parse({
    sessions,
    durationSec: Math.ceil((EVENTS * 10) / sessions),
    contents: 5_000,
    contentPrefix: `${run}-c`,
    liveEvent: { startSec: 60, endSec: 400, share: 0.1 },
  });
  const produced = await produceScenario(scenario, config.kafka, registry, {
    topic: input,
    onProgress: (p) =>
      process.stderr.write(`\rpre-producing: ${fmt(p.events)} events (${fmt(p.eventsPerSecond)}/s)   `),
  });
  process.stderr.write('\n');
  console.log(
    `pre-produced ${fmt(produced.events)} events (${scenario.sessions.toLocaleString('en-US')} concurrent sessions) in ${(produced.elapsedMs / 1000).toFixed(1)} s`,
  );

  for (const transport of TRANSPORTS) {
    const raw = await rawConsumeRate(transport, config.kafka, input, produced.events, `${run}-raw-${transport}`);
    console.log(`${transport} raw consume-only: ${fmt(raw)} events/s`);
    const result = await throughput(admin, transport, input, produced.events);
    console.log(
      `${transport} end to end (decode, aggregate, Redis + ClickHouse, committed): ${fmt(result.eventsPerSecond)} events/s ` +
        `in ${result.seconds.toFixed(1)} s; ${fmt(result.eventsPerCpuSecond)} events per CPU-second of this process ` +
        `(${result.cpuSeconds.toFixed(1)} CPU-s, ${((result.cpuSeconds * 1e6) / produced.events).toFixed(1)} CPU-s per million events); peak RSS ${fmt(result.peakRss / 1024 / 1024)} MiB`,
    );
    const half = Math.round(result.eventsPerSecond / 2);
    const measured = await latency(admin, transport, half, Number(process.env.LATENCY_SECONDS ?? 60));
    console.log(
      `${transport} event-to-Redis latency at ${fmt(half)} events/s: p50 ${fmt(measured.p50)} ms, p99 ${fmt(measured.p99)} ms ` +
        `(${measured.seen} of ${measured.probes} probes seen)`,
    );
  }
  await admin.deleteTopics({ topics: [input] }).catch(() => undefined);
  await admin.disconnect();
  console.log(`node ${process.version}, 2 cores, processor and the whole stack on the same machine`);
})();
