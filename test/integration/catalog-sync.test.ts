import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../../runtime/kafka/kafkajs/transport';
import { changelogTopic, dlqTopic } from '../../runtime/naming';
import { avroType } from '../../schemas/catalog';
import { AvroSerializer } from '../../schemas/serde/avro-serializer';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { contentMetadata } from '../../schemas/testing/content-metadata';
import type { ContentMetadata } from '../../schemas/types.generated';
import { RedisCatalogSink } from '../../sinks/redis/catalog-sink';
import { RedisKeys } from '../../sinks/redis/keys';
import { startProcessor, stopAllProcessors } from '../helpers/processor';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/**
 * `reelstream run catalog-sync` as users run it, both transports, on an Avro catalog topic of its
 * own: newer versions win, a stale update and a stale delete are refused and counted, an
 * equal-version conflict is resolved by updatedAt, a versioned delete deletes, corrupt records land
 * in the DLQ with their reason — and the Redis hash of each content holds exactly the reference;
 * its Lua guard refuses a replayed or older write.
 */
const config = testConfig();
const kafka: Kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-catalog-sync-it' });
const registry = connectSchemaRegistry(config.schemaRegistry);
let admin: Admin;
let redis: Redis;
const cleanups: { topics: string[]; group: string; prefix: string }[] = [];
const cli = resolve(__dirname, '..', '..', 'bin', 'reelstream.js');
const logDir = mkdtempSync(join(tmpdir(), 'reelstream-catalog-sync-'));

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  redis = new Redis(config.redis.url);
});

afterAll(async () => {
  await stopAllProcessors();
  for (const { topics, group, prefix } of cleanups) {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups([group]).catch(() => undefined);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await admin.disconnect();
  redis.disconnect();
  rmSync(logDir, { recursive: true, force: true });
});

const content = (contentId: string, version: number, title: string, updatedAtMs = 1): ContentMetadata =>
  contentMetadata({
    contentId,
    version,
    title,
    availability: [{ region: 'eu', startMs: 0, endMs: null }],
    updatedAtMs,
  });

async function dlqReasons(app: string): Promise<string[]> {
  const reasons: string[] = [];
  const reader = kafkajsTransport(config.kafka).partitionReader();
  await reader.readToEnd([{ topic: dlqTopic(app), partition: 0 }], (record) =>
    reasons.push(/\(([a-z-]+)\)/.exec(record.headers?.['reelstream.error.message'] ?? '')?.[1] ?? '?'),
  );
  await reader.disconnect();
  return reasons.sort();
}

describe.each(['rdkafka', 'kafkajs'] as const)('reelstream run catalog-sync (%s)', (transport) => {
  it('materializes the latest version per content into Redis, with corrupt records in the DLQ', async () => {
    const app = uniqueName(`catalog-sync-${transport}`).replace(/_/g, '-');
    const topic = `${app}-catalog`;
    const prefix = uniqueName('catalog');
    cleanups.push({ group: app, topics: [topic, dlqTopic(app), changelogTopic(app, 'catalog-current')], prefix });
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const serializer = new AvroSerializer<ContentMetadata>(avroType('ContentMetadata'), `${topic}-value`, registry);
    await serializer.init();
    const update = (metadata: ContentMetadata, key = metadata.contentId) => ({
      key,
      value: serializer.encode(metadata),
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        update(content('c1', 1, 'One')),
        update(content('c1', 3, 'One, third cut')),
        update(content('c1', 2, 'One, stale')), // stale: refused
        update(content('c2', 5, 'Two, early edit', 10)),
        update(content('c2', 5, 'Two, later edit', 20)), // conflict: the later updatedAt wins
        update(content('c2', 5, 'Two, early edit', 10)), // conflict: loses
        update(content('c3', 1, 'Three')),
        { key: 'c3', value: null, headers: { version: '2' } }, // versioned delete
        update(content('c3', 1, 'Three, after its delete')), // stale: stays deleted
        update(content('c4', 7, 'Four')),
        { key: 'c4', value: null, headers: { version: '6' } }, // stale delete: refused
        update(content('c9', 1, 'Wrong key'), 'c5'), // corrupt: key-mismatch
        update(content('c6', 1, ' ')), // corrupt: missing-title
        { key: 'c7', value: null }, // corrupt: a delete without its version
        { key: 'c8', value: Buffer.from('not avro') }, // undecodable
      ],
    });
    await producer.disconnect();

    const processor = startProcessor(
      ['catalog-sync', '--instance-id', `${app}-a`],
      { CATALOG_TOPIC: topic, CATALOG_SYNC_APP: app, REDIS_KEY_PREFIX: prefix, KAFKA_TRANSPORT: transport },
      join(logDir, `${app}.log`),
    );
    const keys = new RedisKeys(prefix);
    const hash = (id: string) => redis.hgetall(keys.catalog(id));
    try {
      for (let waited = 0; (await hash('c4')).title !== 'Four'; waited += 200) {
        if (waited > 60_000) throw new Error('catalog-sync did not materialize c4');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      for (let waited = 0; (await dlqReasons(app)).length < 4 && waited < 30_000; waited += 500)
        await new Promise((resolve) => setTimeout(resolve, 500));
      expect(processor.running()).toBe(true);
    } finally {
      await processor.stop('SIGTERM');
    }
    expect(
      [await hash('c1'), await hash('c2'), await hash('c3'), await hash('c4')].map((h) => [
        h.title,
        h.version,
        h.deleted,
      ]),
    ).toEqual([
      ['One, third cut', '3', '0'],
      ['Two, later edit', '5', '0'],
      [undefined, '2', '1'],
      ['Four', '7', '0'],
    ]);
    expect(await redis.exists(keys.catalog('c5'), keys.catalog('c6'), keys.catalog('c7'))).toBe(0);
    expect(await dlqReasons(app)).toEqual(['?', 'key-mismatch', 'missing-title', 'tombstone-without-version']);

    // The Lua guard: a replay of an older change (c1 version 1) does not overwrite version 3.
    const guard = new RedisCatalogSink(redis, keys);
    guard.write(
      [
        {
          key: 'c1',
          timestamp: 0,
          value: {
            contentId: 'c1',
            version: 1,
            deleted: false,
            metadata: content('c1', 1, 'One'),
            updatedAtMs: 1,
            outcome: 'applied',
            sourcePartition: 0,
            sourceOffset: 0,
            sourceTimestampMs: 0,
          },
        },
      ],
      () => undefined,
    );
    await guard.flush();
    expect((await hash('c1')).title).toBe('One, third cut');

    // `reelstream catalog get` shows both materializations, and they agree.
    const get = (id: string) =>
      JSON.parse(
        execFileSync(process.execPath, [cli, 'catalog', 'get', id, '--topic', topic, '--json'], {
          env: { ...process.env, REDIS_KEY_PREFIX: prefix },
          encoding: 'utf8',
        }),
      ) as {
        redis: Record<string, string> | null;
        table: { version: number; deleted: boolean; title: string | null } | null;
      };
    const c2 = get('c2');
    expect([c2.redis?.version, c2.redis?.title, c2.table?.version, c2.table?.title]).toEqual([
      '5',
      'Two, later edit',
      5,
      'Two, later edit',
    ]);
    const c3 = get('c3');
    expect([c3.redis?.deleted, c3.table?.deleted, c3.table?.version]).toEqual(['1', true, 2]);
  }, 240_000);
});
