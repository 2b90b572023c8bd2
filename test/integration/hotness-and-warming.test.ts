import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { contentCardKey } from '../../cache/catalog-origin';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { changelogTopic, dlqTopic, repartitionTopic } from '../../runtime/naming';
import { avroType } from '../../schemas/catalog';
import { AvroSerializer } from '../../schemas/serde/avro-serializer';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { playbackEvent } from '../../schemas/testing/playback-event';
import type { PlaybackEvent } from '../../schemas/types.generated';
import { connectClickhouse, quoteString } from '../../sinks/clickhouse/connection';
import { RedisKeys } from '../../sinks/redis/keys';
import { freePort } from '../helpers/free-port';
import { startProcessor, stopAllProcessors } from '../helpers/processor';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/**
 * Hotness and warming on the real stack: `reelstream run content-hotness` ranks contents from the
 * playback topic into tiers, in Redis and on the hotness topic, and follows a flash crowd within a
 * minute; `reelstream cache serve` (the cache's example service) reads the tiers and warms every card
 * of the top tier before it serves — again after a restart — so the first read of a hot title is a
 * level-1 hit.
 */
const config = testConfig();
const kafka: Kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-hotness-it' });
const registry = connectSchemaRegistry(config.schemaRegistry);
const logDir = mkdtempSync(join(tmpdir(), 'reelstream-hotness-'));
const id = uniqueName('hotness').replace(/_/g, '-');
const prefix = id.replace(/-/g, '_');
const topics = { plays: `${id}-plays`, hotness: `${id}-hotness`, invalidations: `${id}-invalidations` };
const app = `${id}-app`;
const keys = new RedisKeys(prefix);
const CONTENTS = 200;
const contentId = (rank: number) => `${prefix}-c${rank}`;
let admin: Admin;
let redis: Redis;
const clickhouse = connectClickhouse(config.clickhouse);
const cli = join(__dirname, '..', '..', 'bin', 'reelstream.js');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  redis = new Redis(config.redis.url);
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.plays, numPartitions: 3 },
      ...[topics.hotness, topics.invalidations].map((topic) => ({
        topic,
        numPartitions: 3,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      })),
    ],
  });
});

afterAll(async () => {
  await stopAllProcessors();
  await admin
    .deleteTopics({
      topics: [
        ...Object.values(topics),
        dlqTopic(app),
        ...['by-content', 'by-region'].map((name) => repartitionTopic(app, name)),
        ...['hotness-views', 'hotness-ranking'].map((store) => changelogTopic(app, store)),
      ],
    })
    .catch(() => undefined);
  await admin.deleteGroups([app]).catch(() => undefined);
  await clickhouse
    .command(
      `ALTER TABLE ${config.clickhouse.database}.cache_minute DELETE WHERE instance LIKE ${quoteString(`${id}-%`)}`,
    )
    .catch(() => undefined);
  await clickhouse.close();
  await admin.disconnect();
  const left = await redis.keys(`${prefix}:*`);
  if (left.length > 0) await redis.del(...left);
  redis.disconnect();
  rmSync(logDir, { recursive: true, force: true });
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<number> {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
  return Date.now() - started;
}

async function produceStarts(counts: [rank: number, starts: number][]): Promise<void> {
  const serializer = new AvroSerializer<PlaybackEvent>(avroType('PlaybackEvent'), `${topics.plays}-value`, registry);
  await serializer.init();
  const producer = kafka.producer();
  await producer.connect();
  const now = Date.now();
  const messages = counts.flatMap(([rank, starts]) =>
    Array.from({ length: starts }, (_, i) => ({
      key: `s-${rank}-${now}-${i}`,
      value: serializer.encode(
        playbackEvent({
          eventId: `e-${rank}-${now}-${i}`,
          sessionId: `s-${rank}-${now}-${i}`,
          contentId: contentId(rank),
          region: 'eu-west',
          eventType: 'start',
          eventTimeMs: now,
        }),
      ),
    })),
  );
  for (let i = 0; i < messages.length; i += 5_000)
    await producer.send({ topic: topics.plays, messages: messages.slice(i, i + 5_000) });
  await producer.disconnect();
}

const tierOf = (rank: number) => redis.hget(keys.hotness('*', contentId(rank)), 'tier');

describe('hotness and warming on the real stack', () => {
  it('tiers follow a flash crowd within a minute; a restarted service instance warms the top tier before it serves', async () => {
    const hotness = startProcessor(
      ['content-hotness', '--instance-id', 'only'],
      {
        PLAYBACK_TOPIC: topics.plays,
        CONTENT_HOTNESS_TOPIC: topics.hotness,
        CONTENT_HOTNESS_APP: app,
        REDIS_KEY_PREFIX: prefix,
        HOTNESS_RANK_MS: '2000',
      },
      join(logDir, `${app}.log`),
    );
    await hotness.waitForLog('tasks assigned');
    // A long tail: content c<rank> gets 200 - rank starts.
    await produceStarts(Array.from({ length: CONTENTS }, (_, rank) => [rank, CONTENTS - rank]));
    await until('every content ranked', async () => (await redis.zcard(keys.hotnessRank('*'))) === CONTENTS);
    expect(await tierOf(0)).toBe('top1');
    expect(await tierOf(CONTENTS - 1)).toBe('tail');

    // The flash crowd: the least watched content gets 2,000 starts at once.
    await produceStarts([[CONTENTS - 1, 2_000]]);
    const followedInMs = await until(
      'the flash crowd in the top tier',
      async () => (await tierOf(CONTENTS - 1)) === 'top1',
    );
    expect(followedInMs).toBeLessThan(60_000);
    expect(await tierOf(1)).toBe('top10'); // pushed out: the top 1 % of 200 is two contents
    process.stdout.write(`flash crowd reached the top tier ${followedInMs} ms after it was produced\n`);

    // The origin of the example service: each content's catalog hash (as catalog-sync writes it).
    for (let rank = 0; rank < CONTENTS; rank += 1)
      await redis.hset(keys.catalog(contentId(rank)), {
        version: '1',
        deleted: '0',
        title: `Title ${rank}`,
        genres: '["drama"]',
        maturityRating: 'PG',
        thumbnails: '[]',
      });
    for (const attempt of ['first start', 'restart']) {
      const port = await freePort();
      const log = openSync(join(logDir, `${id}-service-${attempt.replace(' ', '-')}.log`), 'a');
      const child = spawn(
        process.execPath,
        [
          cli,
          'cache',
          'serve',
          '--port',
          String(port),
          '--hotness-topic',
          topics.hotness,
          '--invalidation-topic',
          topics.invalidations,
          '--invalidation-app',
          `${id}-invalidation`,
          '--instance-id',
          `${id}-${attempt.replace(' ', '-')}`,
        ],
        {
          env: { ...process.env, REDIS_KEY_PREFIX: prefix, REELSTREAM_LOG_FORMAT: 'json' },
          stdio: ['ignore', log, log],
        },
      );
      try {
        await until(`${attempt}: serving`, async () => (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200);
        const metric = async (pattern: RegExp) =>
          Number(pattern.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1] ?? 0);
        // Warmed before it answered: both titles of the top tier, flash crowd included.
        expect(await metric(/reelstream_cache_warmed_total\{[^}]*reason="start"[^}]*\} (\d+)/)).toBe(2);
        const loadsBefore = await metric(/reelstream_cache_origin_loads_total\{[^}]*outcome="loaded"[^}]*\} (\d+)/);
        const card = await (await fetch(`http://127.0.0.1:${port}/content/${contentId(CONTENTS - 1)}`)).json();
        expect(card).toMatchObject({ title: `Title ${CONTENTS - 1}` });
        expect(await metric(/reelstream_cache_requests_total\{[^}]*level="l1"[^}]*result="hit"[^}]*\} (\d+)/)).toBe(1);
        expect(await metric(/reelstream_cache_origin_loads_total\{[^}]*outcome="loaded"[^}]*\} (\d+)/)).toBe(
          loadsBefore,
        );
        expect(await redis.exists(keys.cacheEntry(contentCardKey(contentId(CONTENTS - 1))))).toBe(1);
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      // Stopping wrote the minute in progress: the one read (a level-1 hit) is in Redis and ClickHouse.
      const instance = `${id}-${attempt.replace(' ', '-')}`;
      const rows = await clickhouse.queryRows<{ requests: string; l1_hits: string }>(
        `SELECT sum(requests) AS requests, sum(l1_hits) AS l1_hits FROM ${config.clickhouse.database}.cache_minute WHERE instance = ${quoteString(instance)}`,
      );
      expect(rows.map((row) => [Number(row.requests), Number(row.l1_hits)])).toEqual([[1, 1]]);
    }
    const minutes = await redis.keys(`${prefix}:cache-stats:content-cards:*`);
    const counted = await Promise.all(minutes.map((key) => redis.hget(key, 'requests')));
    expect(counted.reduce((sum, value) => sum + Number(value), 0)).toBe(2); // one read per start, summed
    const rates = await clickhouse.queryRows<{ hit_rate: number }>(
      `SELECT hit_rate FROM ${config.clickhouse.database}.cache_hit_rate_per_minute WHERE cache = 'content-cards' LIMIT 1`,
    );
    expect(rates.length).toBe(1);
    await hotness.stop('SIGTERM');
  }, 240_000);
});
