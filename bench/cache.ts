/**
 * npm run bench:cache — the read-through cache on the real stack, as services use it: two cache
 * instances in this process (each with its level 1 and its invalidation listener) over Redis, with
 * `reelstream run catalog-sync` materializing the catalog (the origin) and `reelstream run
 * cache-invalidation` turning catalog changes into invalidations and applying them to level 2.
 *
 * 1. Zipf reads (exponent 1) of TITLES content cards (default 2,000) by READERS readers per instance
 *    at READ_RATE reads/s per instance (default 20,000) for SECONDS (default 60), during a catalog campaign of UPDATES_PER_SECOND (default 50) updates —
 *    live invalidations — and a flash crowd (a tail title becomes the most read halfway through):
 *    level-1 hit rate for the top 1 % and top 10 % of titles, origin loads against no cache.
 * 2. Invalidation → every level 1: each instance's `reelstream_cache_invalidation_propagation_seconds`.
 * 3. A storm of STORM_RATE (default 10,000) prefix invalidations per second for STORM_SECONDS (default
 *    10) over 100 hot keys read all the while: origin loads per hot key per invalidation, and the
 *    coalescing ratio at both levels. Versions of the stormed keys are times (ms): an invalidation at
 *    t covers every value read before t.
 * Raw client rate for comparison: HGETALL of the catalog hashes with the same client, same readers.
 * Needs `reelstream stack up`.
 */
import Redis from 'ioredis';
import { InvalidationListener } from '../cache/invalidation-listener';
import { catalogCardOrigin, contentCardKey } from '../cache/catalog-origin';
import { ReadThroughCache } from '../cache/read-through-cache';
import { loadConfig } from '../runtime/config/load';
import { kafkajsAdmin } from '../runtime/kafka/kafkajs/admin';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../runtime/kafka/kafkajs/transport';
import { metricsRegistry } from '../runtime/metrics';
import { changelogTopic, dlqTopic } from '../runtime/naming';
import { avroType } from '../schemas/catalog';
import { AvroSerializer } from '../schemas/serde/avro-serializer';
import { connectSchemaRegistry } from '../schemas/serde/registry-client';
import type { CacheInvalidation, ContentMetadata } from '../schemas/types.generated';
import { zipfReads, invalidationStorm } from '../simulator/cache-workload';
import { catalogCampaign } from '../simulator/catalog';
import { produceCatalog } from '../simulator/produce-catalog';
import { RedisKeys } from '../sinks/redis/keys';
import { freePort } from '../test/helpers/free-port';
import { nextCatalogUpdate } from './catalog-update';
import {
  deltaQuantile,
  histogramBuckets,
  ReelstreamChildren,
  deleteRunKeys,
  runBenchmark,
} from './reelstream-children';

const TITLES = Number(process.env.TITLES ?? 2_000);
const SECONDS = Number(process.env.SECONDS ?? 60);
const READERS = Number(process.env.READERS ?? 16);
/** Reads per second per instance: paced, so the readers leave the 2 cores to Kafka, Redis and the topologies. */
const READ_RATE = Number(process.env.READ_RATE ?? 20_000);
const UPDATES_PER_SECOND = Number(process.env.UPDATES_PER_SECOND ?? 50);
const STORM_RATE = Number(process.env.STORM_RATE ?? 10_000);
const STORM_SECONDS = Number(process.env.STORM_SECONDS ?? 10);
const HOT_KEYS = 100;
const config = loadConfig();
const run = `bcache-${Date.now().toString(36)}`;
const prefix = run.replace(/-/g, '_');
const topics = { catalog: `${run}-catalog`, invalidations: `${run}-invalidations` };
const apps = { sync: `${run}-sync`, invalidation: `${run}-invalidation` };
const contentId = (rank: number) => `${prefix}-${rank}`;
const children = new ReelstreamChildren();
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const percent = (part: number, whole: number) => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(2)} %`);

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

async function main(): Promise<void> {
  const kafka = createKafkaJs(config.kafka);
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(config.redis.url);
  const keys = new RedisKeys(prefix);
  const registry = connectSchemaRegistry(config.schemaRegistry);
  const closers: (() => Promise<void>)[] = [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: Object.values(topics).map((topic) => ({
        topic,
        numPartitions: 3,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      })),
    });
    const { records } = catalogCampaign({
      seed: 1,
      contentPrefix: prefix,
      contents: TITLES,
      regions: ['eu-west', 'us-east'],
      updates: 0,
      startMs: Date.now(),
    });
    await produceCatalog(records, config.kafka, registry, { topic: topics.catalog });
    const invalidationPort = await freePort();
    const env = {
      CATALOG_TOPIC: topics.catalog,
      CACHE_INVALIDATION_TOPIC: topics.invalidations,
      REDIS_KEY_PREFIX: prefix,
    };
    children.start(['run', 'catalog-sync', '--instance-id', 'only'], { ...env, CATALOG_SYNC_APP: apps.sync });
    children.start(['run', 'cache-invalidation', '--instance-id', 'only', '--metrics-port', String(invalidationPort)], {
      ...env,
      CACHE_INVALIDATION_APP: apps.invalidation,
    });
    while ((await redis.hget(keys.catalog(contentId(TITLES - 1)), 'version')) !== '1') {
      if (children.failure) throw children.failure;
      await sleep(200);
    }

    // Two service instances, each with its own level 1 and listener, over one level 2.
    const originLoads = new Map<string, number>();
    const catalogOrigin = catalogCardOrigin(redis, prefix);
    const stormOrigin = async (key: string) => ({ value: { key }, version: Date.now(), tags: [] });
    const instances = [];
    for (const name of ['a', 'b']) {
      const cache = new ReadThroughCache<unknown>({
        name: `${run}-${name}`,
        redis,
        keyPrefix: prefix,
        defaultTtlMs: 300_000,
        origin: async (key) => {
          originLoads.set(key, (originLoads.get(key) ?? 0) + 1);
          return key.startsWith('hot:') ? stormOrigin(key) : catalogOrigin(key);
        },
      });
      const listenerAdmin = createKafkaJs(config.kafka).admin();
      await listenerAdmin.connect();
      const listener = new InvalidationListener({
        transport: kafkajsTransport(config.kafka),
        admin: kafkajsAdmin(listenerAdmin),
        registry,
        topic: topics.invalidations,
        applicationId: apps.invalidation,
        name: `${run}-${name}`,
      }).add(cache);
      await listener.start();
      closers.push(async () => {
        await listener.close();
        await listenerAdmin.disconnect();
      });
      instances.push({ name, cache, listener });
    }

    // The catalog's first load reaches every level 1 as invalidations too: let it pass before measuring.
    while (instances.some(({ listener }) => listener.applied < TITLES)) {
      if (children.failure) throw children.failure;
      await sleep(200);
    }

    // Raw client rate: the same Redis client reading the catalog hashes, same readers, 5 s.
    let rawReads = 0;
    const rawStarted = Date.now();
    await Promise.all(
      Array.from({ length: READERS * 2 }, async () => {
        while (Date.now() - rawStarted < 5_000) {
          await redis.hgetall(keys.catalog(contentId(rawReads % TITLES)));
          rawReads += 1;
        }
      }),
    );
    const rawRate = rawReads / ((Date.now() - rawStarted) / 1000);

    // 1 and 2: Zipf reads during a catalog campaign and a flash crowd.
    const serializer = new AvroSerializer<ContentMetadata>(
      avroType('ContentMetadata'),
      `${topics.catalog}-value`,
      registry,
    );
    await serializer.init();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    closers.push(() => producer.disconnect());
    const versions = new Map<number, number>();
    let campaigning = true;
    let updates = 0;
    const campaign = (async () => {
      while (campaigning) {
        const now = Date.now();
        const messages = Array.from({ length: Math.max(1, Math.round(UPDATES_PER_SECOND / 10)) }, () => {
          // Updates hit popular titles as often as the rest: a uniform pick over the catalog.
          const rank = Math.floor(Math.random() * TITLES);
          const value = nextCatalogUpdate(versions, rank, contentId(rank), now);
          return { key: value.contentId, value: serializer.encode(value), timestamp: String(now) };
        });
        await producer.send({ topic: topics.catalog, messages });
        updates += messages.length;
        await sleep(100);
      }
    })();
    const loadsBefore = [...originLoads.values()].reduce((a, b) => a + b, 0);
    const PROPAGATION = 'reelstream_cache_invalidation_propagation_seconds';
    const propagation = async (name: string) =>
      histogramBuckets(
        (await metricsRegistry.getSingleMetricAsString(PROPAGATION))
          .split('\n')
          .filter((line) => line.includes(`cache="${run}-${name}"`))
          .join('\n'),
        PROPAGATION,
      );
    const propagationBefore = new Map<string, [string, number][]>();
    for (const { name } of instances) propagationBefore.set(name, await propagation(name));
    const started = Date.now();
    const results = await Promise.all(
      instances.map(({ cache }) =>
        zipfReads(cache, {
          titles: TITLES,
          keyOf: (rank) => ({ key: contentCardKey(contentId(rank)), tags: [contentId(rank)] }),
          durationMs: SECONDS * 1000,
          concurrency: READERS,
          ratePerSecond: READ_RATE,
          flashCrowd: { atMs: (SECONDS * 1000) / 2, rank: TITLES - 1 },
        }),
      ),
    );
    const elapsed = (Date.now() - started) / 1000;
    campaigning = false;
    await campaign;
    const catalogLoads = [...originLoads.values()].reduce((a, b) => a + b, 0) - loadsBefore;
    const sum = (pick: (r: (typeof results)[number]) => { requests: number; l1Hits: number }) =>
      results.reduce(
        (total, r) => ({ requests: total.requests + pick(r).requests, l1Hits: total.l1Hits + pick(r).l1Hits }),
        { requests: 0, l1Hits: 0 },
      );
    const [all, top1, top10, crowd] = [
      sum((r) => r.all),
      sum((r) => r.top1),
      sum((r) => r.top10),
      sum((r) => r.flashCrowd),
    ];
    console.log(
      `Zipf reads: ${all.requests} in ${elapsed.toFixed(0)} s (${(all.requests / elapsed).toFixed(0)} reads/s over 2 instances; raw HGETALL rate of the same client ${rawRate.toFixed(0)}/s), ${updates} catalog updates (${(updates / elapsed).toFixed(0)}/s), ${results.reduce((n, r) => n + r.failures, 0)} failures`,
    );
    console.log(
      `level-1 hit rate: top 1 % ${percent(top1.l1Hits, top1.requests)}, top 10 % ${percent(top10.l1Hits, top10.requests)}, all ${percent(all.l1Hits, all.requests)}; flash-crowd title after it turned hot ${percent(crowd.l1Hits, crowd.requests)} of ${crowd.requests}`,
    );
    console.log(
      `origin loads: ${catalogLoads} for ${all.requests} reads — ${percent(all.requests - catalogLoads, all.requests)} of the origin load saved against no cache`,
    );
    for (const { cache, name } of instances) {
      const [before, after] = [propagationBefore.get(name) ?? [], await propagation(name)];
      console.log(
        `catalog change → invalidation → level 1 of instance ${name}: p50 ${deltaQuantile(before, after, 0.5)}, p99 ${deltaQuantile(before, after, 0.99)} (${cache.size} entries held)`,
      );
    }

    // 3: a storm of prefix invalidations over hot keys read all the while.
    const hotKey = (i: number) => `hot:${prefix}:${i}`;
    for (const { cache } of instances)
      await cache.warm(Array.from({ length: HOT_KEYS }, (_, i) => ({ key: hotKey(i) })));
    const stormLoadsBefore = new Map([...originLoads].filter(([key]) => key.startsWith('hot:')));
    const receivedBefore = await counter('reelstream_cache_invalidations_received_total', { level: 'l1' });
    const appliedBefore = await counter('reelstream_cache_invalidations_applied_total', { level: 'l1' });
    const batchesBefore = instances.map(({ listener }) => listener.batches);
    const appliedCountBefore = instances.map(({ listener }) => listener.applied);
    let storming = true;
    let stormReads = 0;
    const stormReaders = instances.flatMap(({ cache }) =>
      Array.from({ length: READERS }, async (_, r) => {
        const began = Date.now();
        for (let reads = 1; storming; reads += 1) {
          await cache.get(hotKey((r + reads) % HOT_KEYS));
          stormReads += 1;
          if (reads % 64 === 0) {
            const due = began + (reads * 1000 * READERS) / READ_RATE - Date.now();
            await new Promise((resolve) => (due > 0 ? setTimeout(resolve, due) : setImmediate(resolve)));
          }
        }
      }),
    );
    const stormSerializer = new AvroSerializer<CacheInvalidation>(
      avroType('CacheInvalidation'),
      `${topics.invalidations}-value`,
      registry,
    );
    await stormSerializer.init();
    const stormPropagationBefore = new Map<string, [string, number][]>();
    for (const { name } of instances) stormPropagationBefore.set(name, await propagation(name));
    const stormStarted = Date.now();
    const sent = await invalidationStorm(producer, stormSerializer, {
      topic: topics.invalidations,
      prefix: `hot:${prefix}:`,
      perSecond: STORM_RATE,
      durationMs: STORM_SECONDS * 1000,
      version: () => Date.now(),
    });
    const stormRate = sent / ((Date.now() - stormStarted) / 1000);
    while (instances.some(({ listener }, i) => listener.applied - (appliedCountBefore[i] ?? 0) < sent)) {
      if (Date.now() - stormStarted > 120_000)
        throw new Error('the storm did not reach every level 1 within 2 minutes');
      await sleep(100);
    }
    storming = false;
    await Promise.all(stormReaders);
    const stormLoads = [...originLoads]
      .filter(([key]) => key.startsWith('hot:'))
      .map(([key, loads]) => loads - (stormLoadsBefore.get(key) ?? 0));
    const loadsPerKey = stormLoads.reduce((a, b) => a + b, 0) / HOT_KEYS;
    const batches = instances.map(({ listener }, i) => listener.batches - (batchesBefore[i] ?? 0));
    const received = (await counter('reelstream_cache_invalidations_received_total', { level: 'l1' })) - receivedBefore;
    const applied = (await counter('reelstream_cache_invalidations_applied_total', { level: 'l1' })) - appliedBefore;
    // Level 2 is applied by the cache-invalidation application: wait until it has read the whole storm.
    let l2Metrics = '';
    const l2 = (name: string) =>
      Number(new RegExp(`^${name}\\{[^}]*level="l2"[^}]*\\} ([\\d.e+]+)`, 'm').exec(l2Metrics)?.[1] ?? NaN);
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(500)) {
      l2Metrics = await fetch(`http://127.0.0.1:${invalidationPort}/metrics`).then((r) => r.text());
      if (l2('reelstream_cache_invalidations_received_total') >= sent) break;
    }
    console.log(
      `storm: ${sent} prefix invalidations at ${stormRate.toFixed(0)}/s, ${stormReads} reads of ${HOT_KEYS} hot keys meanwhile; origin loads per hot key ${loadsPerKey.toFixed(2)} over both instances (${(loadsPerKey / sent).toFixed(5)} per key per invalidation; level-1 batches ${batches.join(' and ')})`,
    );
    for (const { name } of instances) {
      const [before, after] = [stormPropagationBefore.get(name) ?? [], await propagation(name)];
      console.log(
        `published invalidation → level 1 of instance ${name}, during the storm: p50 ${deltaQuantile(before, after, 0.5)}, p99 ${deltaQuantile(before, after, 0.99)}`,
      );
    }
    console.log(
      `coalescing: level 1 ${received} received → ${applied} applied (${(received / applied).toFixed(0)}:1); level 2 ${l2('reelstream_cache_invalidations_received_total')} → ${l2('reelstream_cache_invalidations_applied_total')} (${(l2('reelstream_cache_invalidations_received_total') / l2('reelstream_cache_invalidations_applied_total')).toFixed(0)}:1)`,
    );
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await children.stopAll();
    await admin
      .deleteTopics({
        topics: [
          ...Object.values(topics),
          dlqTopic(apps.sync),
          dlqTopic(apps.invalidation),
          changelogTopic(apps.sync, 'catalog-current'),
        ],
      })
      .catch(() => undefined);
    await admin.deleteGroups(Object.values(apps)).catch(() => undefined);
    await admin.disconnect();
    await deleteRunKeys(redis, prefix);
    redis.disconnect();
  }
}

runBenchmark(main, children);
