import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { InvalidationListener } from '../../cache/invalidation-listener';
import { ReadThroughCache, type Origin } from '../../cache/read-through-cache';
import { cacheOriginLoads, cacheRefusedFills } from '../../cache/metrics';
import type { Invalidation } from '../../processors/cache/invalidations';
import { kafkajsAdmin } from '../../runtime/kafka/kafkajs/admin';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../../runtime/kafka/kafkajs/transport';
import { dlqTopic } from '../../runtime/naming';
import { avroType } from '../../schemas/catalog';
import { AvroSerializer } from '../../schemas/serde/avro-serializer';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import type { CacheInvalidation } from '../../schemas/types.generated';
import { RedisKeys } from '../../sinks/redis/keys';
import { startProcessor, stopAllProcessors, type Processor } from '../helpers/processor';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/**
 * The cache on the real stack: `reelstream run cache-invalidation` applies the topic to level 2 in
 * Redis, and each cache client's listener applies it to its level 1. A stale fill racing an
 * invalidation is refused at both levels (the test holds the load open until the invalidation has
 * landed everywhere, so the race really happens); a storm of invalidations does not stampede the origin.
 */
const config = testConfig();
const kafka: Kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-cache-it' });
const registry = connectSchemaRegistry(config.schemaRegistry);
const logDir = mkdtempSync(join(tmpdir(), 'reelstream-cache-'));
let admin: Admin;
let redis: Redis;
const cleanups: { topic: string; app: string; prefix: string }[] = [];
const closers: (() => Promise<void>)[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  redis = new Redis(config.redis.url);
});

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
  await stopAllProcessors();
  for (const { topic, app, prefix } of cleanups) {
    await admin.deleteTopics({ topics: [topic, dlqTopic(app)] }).catch(() => undefined);
    await admin.deleteGroups([app]).catch(() => undefined);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await admin.disconnect();
  redis.disconnect();
  rmSync(logDir, { recursive: true, force: true });
});

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** A topic, the cache-invalidation application on it, and a way to publish invalidations. */
async function prepare(name: string): Promise<{
  topic: string;
  app: string;
  prefix: string;
  processor: Processor;
  publish(invalidations: Invalidation[]): Promise<void>;
}> {
  const id = uniqueName(name);
  const topic = `${id}-invalidations`;
  const catalogTopic = `${id}-catalog`;
  const app = `${id}-app`;
  const prefix = id.replace(/[^a-zA-Z0-9_-]/g, '_');
  cleanups.push({ topic, app, prefix }, { topic: catalogTopic, app, prefix });
  await admin.createTopics({
    topics: [topic, catalogTopic].map((name) => ({
      topic: name,
      numPartitions: 3,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    })),
    waitForLeaders: true,
  });
  const serializer = new AvroSerializer<CacheInvalidation>(avroType('CacheInvalidation'), `${topic}-value`, registry);
  await serializer.init();
  const producer = kafka.producer();
  await producer.connect();
  closers.push(() => producer.disconnect());
  const processor = startProcessor(
    ['cache-invalidation', '--instance-id', 'only'],
    {
      CACHE_INVALIDATION_TOPIC: topic,
      CATALOG_TOPIC: catalogTopic,
      CACHE_INVALIDATION_APP: app,
      REDIS_KEY_PREFIX: prefix,
    },
    join(logDir, `${app}.log`),
  );
  await processor.waitForLog('tasks assigned');
  return {
    topic,
    app,
    prefix,
    processor,
    publish: async (invalidations) => {
      for (let i = 0; i < invalidations.length; i += 2_000)
        await producer.send({
          topic,
          messages: invalidations.slice(i, i + 2_000).map((invalidation) => ({
            key: invalidation.target,
            value: serializer.encode({ ...invalidation, reason: 'test', issuedAtMs: Date.now() }),
          })),
        });
    },
  };
}

/** A cache client with its listener, as a service instance runs one. */
async function client<V>(run: { topic: string; app: string; prefix: string }, name: string, origin: Origin<V>) {
  const cache = new ReadThroughCache<V>({ name, redis, keyPrefix: run.prefix, origin });
  const kafkaAdmin = createKafkaJs(config.kafka).admin();
  await kafkaAdmin.connect();
  const listener = new InvalidationListener({
    transport: kafkajsTransport(config.kafka),
    admin: kafkajsAdmin(kafkaAdmin),
    registry,
    topic: run.topic,
    applicationId: run.app,
    name,
  }).add(cache);
  await listener.start();
  closers.push(async () => {
    await listener.close();
    await kafkaAdmin.disconnect();
  });
  return { cache, listener };
}

const metric = async (counter: { get(): Promise<{ values: { labels: object; value: number }[] }> }, labels: object) =>
  (await counter.get()).values
    .filter((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
    .reduce((sum, v) => sum + v.value, 0);

describe('cache on the real stack', () => {
  it('a stale fill racing an invalidation is refused at both levels; the next read loads the new version', async () => {
    const run = await prepare('cache_race');
    const keys = new RedisKeys(run.prefix);
    let current = 1;
    let holdFirstLoad = true;
    let release: (() => void) | undefined;
    let loadInFlight = false;
    const origin = async () => {
      const version = current; // the data as the origin holds it when the load reads it
      if (holdFirstLoad) {
        // The first load has read version 1; the test keeps it open while the data changes.
        holdFirstLoad = false;
        loadInFlight = true;
        await new Promise<void>((resolve) => (release = resolve));
        loadInFlight = false;
      }
      return { value: { title: `v${version}` }, version, tags: ['c1'] };
    };
    const a = await client(run, `${run.prefix}-a`, origin);
    const refusedBefore = await metric(cacheRefusedFills, { cache: `${run.prefix}-a`, level: 'l2' });

    const read = a.cache.getEntry('content:c1:card', ['c1']);
    await until('the load is in flight', () => loadInFlight);
    current = 2; // the catalog changes …
    await run.publish([{ targetType: 'content_id', target: 'c1', version: 2 }]); // … and says so
    // The race: the invalidation lands at level 2 (the topology) and level 1 (the listener) while the load is open.
    await until(
      'the invalidation applied at level 2',
      async () => (await redis.hget(keys.cacheMarks('content_id'), 'c1')) === '2',
    );
    await until('the invalidation applied at level 1', () => a.listener.applied >= 1);
    expect(loadInFlight).toBe(true);
    release?.();
    const stale = await read;
    expect(stale.version).toBe(1); // the reader gets what was loaded …
    expect(await redis.exists(keys.cacheEntry('content:c1:card'))).toBe(0); // … level 2 refused it …
    expect(await metric(cacheRefusedFills, { cache: `${run.prefix}-a`, level: 'l2' })).toBe(refusedBefore + 1);
    const fresh = await a.cache.getEntry('content:c1:card', ['c1']); // … and level 1 did not keep it
    expect(fresh.version).toBe(2);
    expect(await redis.hget(keys.cacheEntry('content:c1:card'), 'version')).toBe('2');

    // A second instance, started after the change, never sees version 1 either.
    const b = await client(run, `${run.prefix}-b`, origin);
    expect((await b.cache.getEntry('content:c1:card', ['c1'])).version).toBe(2);
    await run.processor.stop('SIGTERM');
  }, 120_000);

  it('a storm of 10,000 invalidations of one prefix: coalesced, and hot keys load from the origin a bounded number of times', async () => {
    const run = await prepare('cache_storm');
    const name = `${run.prefix}-storm`;
    let version = 0;
    const origin = async (key: string) => ({ value: { key, version }, version, tags: [] });
    const { cache, listener } = await client(run, name, origin);
    const hot = Array.from({ length: 10 }, (_, i) => `hot:title-${i}`);
    await Promise.all(hot.map((key) => cache.get(key)));
    const loadsBefore = await metric(cacheOriginLoads, { cache: name, outcome: 'loaded' });

    let reading = true;
    let reads = 0;
    const readers = Array.from({ length: 20 }, async (_, r) => {
      for (let i = r; reading; i += 1) {
        await cache.get(hot[i % hot.length] as string);
        reads += 1;
        if (i % 50 === 0) await sleep(1);
      }
    });
    const storm: Invalidation[] = Array.from({ length: 10_000 }, (_, i) => ({
      targetType: 'prefix',
      target: 'hot:',
      version: i + 1,
    }));
    version = storm.length; // the data is at the storm's last version from now on
    const started = Date.now();
    await run.publish(storm);
    await until('every invalidation reached level 1', () => listener.applied >= storm.length, 120_000);
    reading = false;
    await Promise.all(readers);
    const loads = (await metric(cacheOriginLoads, { cache: name, outcome: 'loaded' })) - loadsBefore;
    // The storm happened (10,000 records read) while the readers ran, and the origin was not stampeded:
    // at most one load per hot key per coalesced batch the listener applied, far below one per invalidation.
    expect(listener.applied).toBe(storm.length);
    expect(reads).toBeGreaterThan(hot.length);
    expect(loads).toBeLessThanOrEqual(hot.length * (listener.batches + 1));
    expect(loads).toBeLessThan(storm.length / 10);
    // Level 2 coalesced too: the mark is the storm's last version.
    await until('level 2 holds the last mark', async () => {
      return (await redis.hget(new RedisKeys(run.prefix).cacheMarks('prefix'), 'hot:')) === String(storm.length);
    });
    process.stdout.write(
      `storm: ${storm.length} invalidations in ${Date.now() - started} ms, ${reads} reads, ${loads} origin loads, ${listener.batches} level-1 batches\n`,
    );
    await run.processor.stop('SIGTERM');
  }, 180_000);
});
