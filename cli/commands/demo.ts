import { tmpdir } from 'node:os';
import { rdkafkaTransport } from '../../runtime/kafka/rdkafka/transport';
import { join } from 'node:path';
import type { Command } from 'commander';
import Redis from 'ioredis';
import { applyTopics } from '../../infra/kafka/apply-topics';
import { pipelineTopics } from '../../infra/kafka/topics';
import { migrateDatabase } from '../../infra/clickhouse/migrate';
import { stackUp } from '../../infra/local/stack';
import { StreamApplication } from '../../runtime/app/stream-application';
import { createTransport } from '../../runtime/kafka/create-transport';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { uncommittedRecords } from '../../runtime/kafka/uncommitted';
import { changelogTopic, dlqTopic, repartitionTopic } from '../../runtime/naming';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { catalogCardOrigin, contentCardKey, type ContentCard } from '../../cache/catalog-origin';
import { ReadThroughCache } from '../../cache/read-through-cache';
import { catalogCampaign, finalCatalog } from '../../simulator/catalog';
import { produceScenario } from '../../simulator/produce';
import { produceCatalog } from '../../simulator/produce-catalog';
import { scenarioSchema } from '../../simulator/scenario';
import { scenarioStartMs } from '../../simulator/simulation';
import { validate } from '../../simulator/validate';
import { connectClickhouse } from '../../sinks/clickhouse/connection';
import { DashboardReader } from '../../sinks/redis/dashboard-reader';
import { RedisKeys, windowStartOf } from '../../sinks/redis/keys';
import { createLogger } from '../../core/logging';
import { startDashboard } from '../dashboard/server';
import { configFrom } from '../options';
import { createSinkResolver } from '../sink-resolver';
import { loadTopology } from '../topology-loader';
import { formatReports } from './stack';
import { kafkajsAdmin } from '../../runtime/kafka/kafkajs/admin';

/**
 * `npm run demo`: the stack comes up, the playback-analytics topology runs on simulated traffic
 * (its own topic and application id per run, so runs never mix), a live summary prints every
 * second, and `validate` compares Redis and ClickHouse with what the simulator produced.
 */
const step = (text: string) => console.log(`✓ ${text}`);
const GRACE = '30s';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'bring the stack up and run playback analytics on simulated traffic, with a live summary and validation',
    )
    .option('--sessions <n>', 'concurrent simulated sessions', '3000')
    .option('--duration <seconds>', 'simulated event time', '180')
    .option('--rate <events/s>', 'production rate', '3000')
    .action(async (options: { sessions: string; duration: string; rate: string }, command: Command) => {
      const config = configFrom(command);
      console.log('Bringing the local stack up (the first run downloads Kafka, Apicurio and ClickHouse) ...');
      console.log(formatReports(await stackUp({ config })));
      const admin = createKafkaJs(config.kafka).admin();
      await admin.connect();
      const run = `demo${Date.now().toString(36)}`;
      const topic = `reelstream.${run}.playback`;
      const catalogTopic = `reelstream.${run}.catalog`;
      const app = `playback-analytics-${run}`;
      const historyApp = `${app}-history`;
      const rollupsTopic = `reelstream.${run}.rollups`;
      const sampleLedgerTopic = `reelstream.${run}.sample-ledger`;
      const catalogApp = `catalog-sync-${run}`;
      await applyTopics(admin, pipelineTopics());
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic, numPartitions: 3 },
          { topic: rollupsTopic, numPartitions: 3 },
          { topic: sampleLedgerTopic, numPartitions: 3 },
          { topic: catalogTopic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        ],
      });
      step(`topics: pipeline topics in place; this run reads ${topic}`);
      const statements = await migrateDatabase(config.clickhouse);
      step(`clickhouse: ${statements.length} DDL statements applied to ${config.clickhouse.database}`);

      const scenario = scenarioSchema.parse({
        sessions: Number(options.sessions),
        durationSec: Number(options.duration),
        contentPrefix: run,
        contents: 200,
        flashCrowd: { atSec: Math.floor(Number(options.duration) / 2), factor: 3, durationSec: 30 },
        // A live event over the middle half, its audience joining in the quarter before: the `live` view.
        liveEvent: {
          id: `${run}-live`,
          startSec: Math.floor(Number(options.duration) / 2),
          endSec: Math.floor((Number(options.duration) * 3) / 4),
          rampSec: Math.max(1, Math.floor(Number(options.duration) / 4)),
          share: 0.2,
        },
      });
      const startMs = scenarioStartMs(scenario);

      // The catalog of this run's titles, with an update campaign, materialized into Redis by
      // catalog-sync and joined by playback analytics, which reads it in full before its first event.
      process.env.CATALOG_TOPIC = catalogTopic;
      process.env.CATALOG_SYNC_APP = catalogApp;
      /** A topology run in this process, as `reelstream run` runs it; its env must be set before. */
      const startApplication = async (name: string, applicationId: string) => {
        const sinks = createSinkResolver(config, applicationId);
        const topology = loadTopology(name);
        const application = new StreamApplication({
          topology,
          applicationId,
          transport: createTransport(config.kafka),
          admin: kafkajsAdmin(admin),
          instanceId: run,
          sinks: sinks.resolve,
          registry: connectSchemaRegistry(config.schemaRegistry),
        });
        await application.start();
        return { topology, application, sinks, running: application.run() };
      };
      const catalogSync = await startApplication('catalog-sync', catalogApp);
      const campaign = catalogCampaign({
        seed: scenario.seed,
        contentPrefix: run,
        contents: scenario.contents,
        regions: scenario.regions,
        updates: 2 * scenario.contents,
        startMs,
      });
      await produceCatalog(campaign.records, config.kafka, connectSchemaRegistry(config.schemaRegistry), {
        topic: catalogTopic,
      });
      step(
        `catalog: ${campaign.records.length} records for ${scenario.contents} titles (stale, duplicated, conflicting and deleted updates among them) → catalog-sync → Redis`,
      );

      process.env.PLAYBACK_TOPIC = topic;
      process.env.PLAYBACK_APP = app;
      process.env.PLAYBACK_GRACE = GRACE;
      process.env.PLAYBACK_ROLLUPS_TOPIC = rollupsTopic;
      process.env.PLAYBACK_SAMPLE_LEDGER_TOPIC = sampleLedgerTopic;
      process.env.PLAYBACK_HISTORY_APP = historyApp;
      const { topology, application, sinks, running } = await startApplication('playback-analytics', app);
      const history = await startApplication('playback-history', historyApp);
      step(
        `running ${topology.name} (real-time → Redis) and ${history.topology.name} (→ ClickHouse) side by side (${config.kafka.transport}), joined with the catalog`,
      );

      const redis = new Redis(config.redis.url);
      const keys = new RedisKeys(config.redis.keyPrefix);
      // The live page (`reelstream dashboard`), served while the demo runs.
      const page = await startDashboard({
        redis,
        keys,
        host: '127.0.0.1',
        port: 0,
        intervalMs: 1_000,
        log: createLogger('dashboard'),
      });
      const pageAddress = page.address();
      step(
        `dashboard: http://127.0.0.1:${typeof pageAddress === 'object' && pageAddress ? pageAddress.port : 0}/ (live while the demo runs)`,
      );
      // Titles through the read-through cache over catalog-sync's hashes, as a service reads them: a
      // 5 s TTL keeps them current without an invalidation listener (the demo runs no cache-invalidation).
      const titles = new ReadThroughCache<ContentCard>({
        name: 'demo-titles',
        redis,
        keyPrefix: config.redis.keyPrefix,
        origin: catalogCardOrigin(redis, config.redis.keyPrefix),
        defaultTtlMs: 5_000,
      });
      const titleOf = async (contentId: string) =>
        (await titles.get(contentCardKey(contentId), [contentId]).catch(() => null))?.title ??
        contentId.slice(run.length + 1);
      const reader = new DashboardReader<Record<string, number>>(redis, keys);
      let produced = 0;
      const expectedTotal = scenario.sessions * (scenario.durationSec / scenario.heartbeatSec) * 1.2;
      let lastProcessed = 0;
      const summary = setInterval(() => {
        void (async () => {
          const processed = application.stats.processed;
          const minute =
            windowStartOf(startMs + (scenario.durationSec * 1_000 * produced) / Math.max(1, expectedTotal), '1m') -
            60_000;
          const top = await reader.topN('content', '1m', minute, 3);
          const topTitles = await Promise.all(top.map((entry) => titleOf(entry.dimension)));
          const leader = top[0] ? await reader.window('content', '1m', top[0].dimension, minute) : null;
          console.log(
            `  produced ${produced.toLocaleString('en-US')} · processed ${(processed - lastProcessed).toLocaleString('en-US')}/s · ` +
              `top ${top.map((entry, index) => `"${topTitles[index] ?? '?'}" ${entry.score}`).join(', ') || '-'} · ` +
              `leader buffering ratio ${leader ? (leader.bufferingRatio ?? 0).toFixed(4) : '-'}`,
          );
          lastProcessed = processed;
        })().catch(() => undefined);
      }, 1_000);
      const expectedFile = join(tmpdir(), `${run}-expected.json`);
      const result = await produceScenario(
        { ...scenario, startMs },
        config.kafka,
        connectSchemaRegistry(config.schemaRegistry),
        {
          topic,
          rate: Number(options.rate),
          expectedFile,
          catalog: finalCatalog(campaign.expected),
          onProgress: (progress) => (produced = progress.events),
        },
      );
      produced = result.events;
      step(
        `simulated ${scenario.sessions.toLocaleString('en-US')} sessions: ${result.events.toLocaleString('en-US')} events in ${(result.elapsedMs / 1000).toFixed(1)} s`,
      );

      // Wait until everything is processed and committed by both paths, then one more update interval.
      const realtimeTopics = [
        { topic, transactional: false },
        ...['by-content', 'by-live-event'].map((name) => ({ topic: repartitionTopic(app, name), transactional: true })),
      ];
      const historyTopics = [
        { topic, transactional: false },
        { topic: rollupsTopic, transactional: true },
        { topic: sampleLedgerTopic, transactional: true },
      ];
      const uncommitted = async (group: string, topics: typeof realtimeTopics) =>
        uncommittedRecords(kafkajsAdmin(admin), group, topics, () => rdkafkaTransport(config.kafka).partitionReader());
      do await new Promise((resolve) => setTimeout(resolve, 1_000));
      while ((await uncommitted(app, realtimeTopics)) > 0 || (await uncommitted(historyApp, historyTopics)) > 0);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      clearInterval(summary);
      application.stop();
      await running;
      await application.close();
      await sinks.close();
      history.application.stop();
      await history.running;
      await history.application.close();
      await history.sinks.close();
      catalogSync.application.stop();
      await catalogSync.running;
      await catalogSync.application.close();
      await catalogSync.sinks.close();
      step('caught up; stopped the applications');

      const clickhouse = connectClickhouse(config.clickhouse);
      const expected = result.expected as NonNullable<typeof result.expected>;
      const report = await validate(expected, {
        redis,
        keys,
        clickhouse,
        database: config.clickhouse.database,
        finalBeforeMs: expected.lastEventTimeMs - 30_000,
      });
      console.log('Validation:');
      for (const line of report.lines) console.log(`  ${line}`);
      for (const difference of report.differences.slice(0, 10)) console.log(`    ${difference}`);
      console.log(report.ok ? 'validation passed' : `validation FAILED: ${report.differences.length} differences`);
      await admin
        .deleteTopics({
          topics: [
            topic,
            rollupsTopic,
            sampleLedgerTopic,
            dlqTopic(app),
            dlqTopic(historyApp),
            repartitionTopic(app, 'by-content'),
            repartitionTopic(app, 'by-live-event'),
            ...['content-minute', 'content-10s', 'live-minute'].map((store) => changelogTopic(app, store)),
            catalogTopic,
            dlqTopic(catalogApp),
            changelogTopic(catalogApp, 'catalog-current'),
          ],
        })
        .catch(() => undefined);
      await admin.disconnect();
      page.stopReading();
      page.close();
      redis.disconnect();
      await clickhouse.close();
      console.log(`Dashboards: redis-cli --scan --pattern '${config.redis.keyPrefix}:agg:content:1m:${run}-*' | head`);
      process.exitCode = report.ok ? 0 : 1;
    });
}
