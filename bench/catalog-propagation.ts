/**
 * npm run bench:catalog — how long a catalog update takes to reach its materializations, under a
 * campaign of UPDATES_PER_SECOND (default 1,000) updates for SECONDS (default 30) while playback
 * analytics (INSTANCES instances, default 2, each joining the catalog as a global table) processes
 * live playback events from `reelstream simulate` (PLAYBACK_RATE, default 2,000 events/s) into Redis
 * and ClickHouse. Each system runs as users run it (`reelstream run catalog-sync`, `reelstream run
 * playback-analytics`), on topics, keys and rows of this run, all removed at the end.
 *
 * - catalog produce → Redis hash: for every content, its last update's `appliedAtMs` (taken when the
 *   sink sends the version-guarded script) minus the time the bench produced that version.
 * - catalog produce → each instance's global table: the histogram
 *   `reelstream_global_table_propagation_seconds` of that instance (record timestamp → applied), read
 *   as bucket bounds.
 * Needs `reelstream stack up`.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { loadConfig } from '../runtime/config/load';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';
import { avroType } from '../schemas/catalog';
import { AvroSerializer } from '../schemas/serde/avro-serializer';
import { connectSchemaRegistry } from '../schemas/serde/registry-client';
import type { ContentMetadata } from '../schemas/types.generated';
import { catalogCampaign } from '../simulator/catalog';
import { produceCatalog } from '../simulator/produce-catalog';
import { connectClickhouse, quoteString } from '../sinks/clickhouse/connection';
import { RedisKeys } from '../sinks/redis/keys';
import { changelogTopic, dlqTopic, repartitionTopic } from '../runtime/naming';
import { freePort } from '../test/helpers/free-port';
import { nextCatalogUpdate } from './catalog-update';
import { histogramQuantile, quantile, ReelstreamChildren, deleteRunKeys, runBenchmark } from './reelstream-children';

const UPDATES_PER_SECOND = Number(process.env.UPDATES_PER_SECOND ?? 1_000);
const SECONDS = Number(process.env.SECONDS ?? 30);
const PLAYBACK_RATE = Number(process.env.PLAYBACK_RATE ?? 2_000);
const INSTANCES = Number(process.env.INSTANCES ?? 2);
const CONTENTS = 5_000;
const config = loadConfig();
const run = `bcat-${Date.now().toString(36)}`;
const topics = {
  catalog: `${run}-catalog`,
  plays: `${run}-plays`,
  rollups: `${run}-rollups`,
  sampleLedger: `${run}-sample-ledger`,
};
const analytics = `${run}-analytics`;
/** Content ids, Redis keys and rollups of this run: `<prefix>-<rank>`, `<prefix>:…`. */
const prefix = run.replace(/-/g, '_');
const contentId = (rank: number) => `${prefix}-${rank}`;
const children = new ReelstreamChildren();

async function main(): Promise<void> {
  const kafka = createKafkaJs(config.kafka);
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(config.redis.url);
  const keys = new RedisKeys(prefix);
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topics.catalog, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        { topic: topics.plays, numPartitions: 6 },
        { topic: topics.rollups, numPartitions: 6 },
        { topic: topics.sampleLedger, numPartitions: 3 },
      ],
    });
    const registry = connectSchemaRegistry(config.schemaRegistry);
    const { records } = catalogCampaign({
      seed: 1,
      contentPrefix: prefix,
      contents: CONTENTS,
      regions: ['eu-west', 'us-east'],
      updates: 0,
      startMs: Date.now(),
    });
    await produceCatalog(records, config.kafka, registry, { topic: topics.catalog });
    children.start(['run', 'catalog-sync', '--instance-id', `${run}-sync`], {
      CATALOG_TOPIC: topics.catalog,
      CATALOG_SYNC_APP: `${run}-sync`,
      REDIS_KEY_PREFIX: prefix,
    });
    const ports: number[] = [];
    for (let instance = 0; instance < INSTANCES; instance += 1) {
      const port = await freePort();
      ports.push(port);
      children.start(
        [
          'run',
          'playback-analytics',
          'playback-history',
          '--instance-id',
          `${run}-${instance}`,
          '--metrics-port',
          String(port),
        ],
        {
          PLAYBACK_APP: analytics,
          PLAYBACK_TOPIC: topics.plays,
          PLAYBACK_ROLLUPS_TOPIC: topics.rollups,
          PLAYBACK_SAMPLE_LEDGER_TOPIC: topics.sampleLedger,
          CATALOG_TOPIC: topics.catalog,
          REDIS_KEY_PREFIX: prefix,
        },
        // CPU_PROFILE_DIR: a CPU profile of each instance, written when it stops (what bounds the figure).
        {
          nodeArgs: process.env.CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROFILE_DIR}`] : [],
        },
      );
    }
    const scenarioFile = join(tmpdir(), `${run}-scenario.json`);
    writeFileSync(scenarioFile, JSON.stringify({ contentPrefix: prefix }));
    const simulate = children.start(
      [
        'simulate',
        '--scenario',
        scenarioFile,
        '--sessions',
        '20000',
        '--duration',
        String(SECONDS * 4),
        '--contents',
        String(CONTENTS),
        '--rate',
        String(PLAYBACK_RATE),
        '--topic',
        topics.plays,
      ],
      {},
      { stderr: 'ignore' }, // its progress lines
    );
    const ready = (port: number) =>
      fetch(`http://127.0.0.1:${port}/ready`)
        .then((r) => r.status === 200)
        .catch(() => false);
    for (;;) {
      if (children.failure) throw children.failure;
      const allReady = (await Promise.all(ports.map(ready))).every(Boolean);
      const synced = (await redis.hget(keys.catalog(contentId(CONTENTS - 1)), 'version')) === '1';
      if (allReady && synced) break;
      await new Promise((done) => setTimeout(done, 200));
    }
    console.log(
      `catalog-sync and ${INSTANCES} playback-analytics instances serving; campaign: ${UPDATES_PER_SECOND} updates/s for ${SECONDS} s`,
    );

    const serializer = new AvroSerializer<ContentMetadata>(
      avroType('ContentMetadata'),
      `${topics.catalog}-value`,
      registry,
    );
    await serializer.init();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sentAt = new Map<string, number>();
    const versions = new Map<number, number>();
    const started = Date.now();
    const perTick = Math.round(UPDATES_PER_SECOND / 20);
    for (let tick = 0; tick < SECONDS * 20; tick += 1) {
      const messages = [];
      const now = Date.now();
      for (let i = 0; i < perTick; i += 1) {
        const rank = Math.floor(Math.random() * CONTENTS);
        const value = nextCatalogUpdate(versions, rank, contentId(rank), now);
        sentAt.set(`${contentId(rank)}@${value.version}`, now);
        messages.push({ key: value.contentId, value: serializer.encode(value), timestamp: String(now) });
      }
      await producer.send({ topic: topics.catalog, messages });
      const due = started + (tick + 1) * 50;
      if (due > Date.now()) await new Promise((done) => setTimeout(done, due - Date.now()));
    }
    await producer.disconnect();
    const achieved = (SECONDS * 20 * perTick) / ((Date.now() - started) / 1000);
    await new Promise((done) => setTimeout(done, 3_000));

    const latencies: number[] = [];
    for (const [rank, version] of versions) {
      const hash = await redis.hmget(keys.catalog(contentId(rank)), 'version', 'appliedAtMs');
      const sent = sentAt.get(`${contentId(rank)}@${version}`);
      if (hash[0] === String(version) && sent !== undefined) latencies.push(Number(hash[1]) - sent);
    }
    latencies.sort((a, b) => a - b);
    const histogram = 'reelstream_global_table_propagation_seconds';
    console.log(
      `campaign: ${achieved.toFixed(0)} updates/s achieved; playback: ${PLAYBACK_RATE} events/s into playback analytics`,
    );
    console.log(
      `catalog produce → Redis hash: p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${latencies.at(-1)} ms (${latencies.length} of ${versions.size} contents at their last version)`,
    );
    for (const [instance, port] of ports.entries()) {
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      console.log(
        `catalog produce → playback-analytics instance ${instance} global table: p50 ${histogramQuantile(metrics, histogram, 0.5)}, p99 ${histogramQuantile(metrics, histogram, 0.99)}`,
      );
    }
    simulate.kill('SIGTERM');
  } finally {
    await children.stopAll();
    await admin
      .deleteTopics({
        topics: [
          ...Object.values(topics),
          dlqTopic(`${run}-sync`),
          changelogTopic(`${run}-sync`, 'catalog-current'),
          dlqTopic(analytics),
          dlqTopic(`${analytics}-history`),
          ...['by-content', 'by-live-event'].map((name) => repartitionTopic(analytics, name)),
          ...['content-minute', 'content-10s', 'live-minute'].map((store) => changelogTopic(analytics, store)),
        ],
      })
      .catch(() => undefined);
    await admin.deleteGroups([`${run}-sync`, analytics, `${analytics}-history`]).catch(() => undefined);
    const clickhouse = connectClickhouse(config.clickhouse);
    const database = config.clickhouse.database;
    await clickhouse
      .command(`ALTER TABLE ${database}.playback_events DELETE WHERE source_topic = ${quoteString(topics.plays)}`)
      .catch(() => undefined);
    await clickhouse
      .command(`ALTER TABLE ${database}.playback_minute DELETE WHERE content_id LIKE ${quoteString(`${prefix}-%`)}`)
      .catch(() => undefined);
    await clickhouse.close();
    await admin.disconnect();
    await deleteRunKeys(redis, prefix);
    redis.disconnect();
  }
}

runBenchmark(main, children);
