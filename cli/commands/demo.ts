import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Command } from 'commander';
import Redis from 'ioredis';
import { applyTopics } from '../../infra/kafka/apply-topics';
import { pipelineTopics } from '../../infra/kafka/topics';
import { migrateDatabase } from '../../infra/clickhouse/migrate';
import { stackUp } from '../../infra/local/stack';
import type { ReelstreamConfig } from '../../runtime/config/schema';
import { createKafkaJs } from '../../runtime/kafka/kafkajs-client';
import { connectClickhouse, quoteString } from '../../sinks/clickhouse/connection';
import { formatReports } from './stack';
import { configFrom } from '../options';

/**
 * `npm run demo`: brings the stack up, applies topics and DDL, then takes one playback event
 * through every service: registry → Kafka (Avro, Confluent wire format) → Redis → ClickHouse.
 * It is the smoke test a new user runs first; the playback-analytics pipeline replaces the round
 * trip when it lands.
 */
const DEMO_TOPIC = 'reelstream.demo';
const DEMO_SCHEMA = {
  type: 'record',
  name: 'DemoPlaybackEvent',
  namespace: 'dev.reelstream.demo',
  fields: [
    { name: 'eventId', type: 'string' },
    { name: 'sessionId', type: 'string' },
    { name: 'contentId', type: 'string' },
    { name: 'eventType', type: 'string' },
    { name: 'eventTimeMs', type: 'long' },
    { name: 'region', type: 'string' },
    { name: 'tier', type: 'string' },
  ],
};

type DemoEvent = {
  eventId: string;
  sessionId: string;
  contentId: string;
  eventType: string;
  eventTimeMs: number;
  region: string;
  tier: string;
};

const step = (text: string) => console.log(`✓ ${text}`);

async function roundTrip(config: ReelstreamConfig): Promise<void> {
  const kafka = createKafkaJs(config.kafka);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await applyTopics(admin, [
      {
        name: DEMO_TOPIC,
        partitions: 1,
        configs: { 'cleanup.policy': 'delete', 'retention.ms': '86400000' },
        description: 'demo round trips',
      },
    ]);
  } finally {
    await admin.disconnect();
  }

  const registry = new SchemaRegistry({ host: config.schemaRegistry.url });
  const { id: schemaId } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(DEMO_SCHEMA) },
    { subject: `${DEMO_TOPIC}-value` },
  );
  step(`registry: schema ${DEMO_SCHEMA.name} registered under ${DEMO_TOPIC}-value with id ${schemaId}`);

  const event: DemoEvent = {
    eventId: `demo-${Date.now()}`,
    sessionId: 'session-demo-1',
    contentId: 'content-big-buck-bunny',
    eventType: 'start',
    eventTimeMs: Date.now(),
    region: 'eu-west',
    tier: 'premium',
  };
  const producer = kafka.producer();
  await producer.connect();
  const [metadata] = await producer.send({
    topic: DEMO_TOPIC,
    messages: [{ key: event.sessionId, value: await registry.encode(schemaId, event) }],
  });
  await producer.disconnect();
  const partition = metadata?.partition ?? 0;
  const offset = metadata?.baseOffset ?? '0';
  step(`kafka: produced ${event.eventType} of ${event.contentId} to ${DEMO_TOPIC}[${partition}] at offset ${offset}`);

  const consumed = await consumeAt(config, partition, offset);
  const decoded = (await registry.decode(consumed)) as DemoEvent;
  if (decoded.eventId !== event.eventId) throw new Error(`consumed ${decoded.eventId}, expected ${event.eventId}`);
  step(`kafka: consumed it back and decoded it with schema id ${consumed.readInt32BE(1)}`);

  const minute = Math.floor(event.eventTimeMs / 60_000) * 60_000;
  const key = `reelstream:demo:content:${event.contentId}:1m:${minute}`;
  const redis = new Redis(config.redis.url);
  try {
    await redis.multi().hset(key, { starts: '1', region: event.region, tier: event.tier }).expire(key, 3600).exec();
    const stored = await redis.hgetall(key);
    step(`redis: wrote ${key} = ${JSON.stringify(stored)} (TTL ${await redis.ttl(key)} s)`);
  } finally {
    redis.disconnect();
  }

  const clickhouse = connectClickhouse(config.clickhouse);
  const table = `${config.clickhouse.database}.playback_events`;
  try {
    const eventTime = new Date(event.eventTimeMs);
    await clickhouse.insertRows(table, [
      {
        event_date: eventTime.toISOString().slice(0, 10),
        event_time: Math.floor(event.eventTimeMs / 1000),
        event_time_ms: event.eventTimeMs,
        event_id: event.eventId,
        session_id: event.sessionId,
        viewer_id: 'viewer-demo',
        content_id: event.contentId,
        live_event_id: null,
        event_type: event.eventType,
        position_ms: 0,
        bitrate_kbps: 0,
        buffering_ms: 0,
        startup_time_ms: null,
        error_code: null,
        device_type: 'web',
        region: event.region,
        cdn_edge: 'edge-demo',
        viewer_tier: event.tier,
        app_version: 'demo',
        sample_weight: 1,
        source_topic: DEMO_TOPIC,
        source_partition: partition,
        source_offset: Number(offset),
        ingested_at: Math.floor(Date.now() / 1000),
      },
    ]);
    const rows = await clickhouse.queryRows<{ event_id: string; content_id: string }>(
      `SELECT event_id, content_id FROM ${table} FINAL WHERE source_topic = ${quoteString(DEMO_TOPIC)} ` +
        `AND source_partition = ${partition} AND source_offset = ${Number(offset)}`,
    );
    if (rows[0]?.event_id !== event.eventId) throw new Error(`ClickHouse returned ${JSON.stringify(rows)}`);
    step(
      `clickhouse: inserted the row into ${table} and read it back (${rows.length} row for ${DEMO_TOPIC}[${partition}]@${offset})`,
    );
  } finally {
    await clickhouse.close();
  }
}

/** Reads the one record at partition/offset with a throwaway consumer group. */
async function consumeAt(config: ReelstreamConfig, partition: number, offset: string): Promise<Buffer> {
  const consumer = createKafkaJs(config.kafka).consumer({ groupId: `reelstream-demo-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: DEMO_TOPIC });
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no record at ${DEMO_TOPIC}[${partition}]@${offset} within 30 s`)),
        30_000,
      );
      consumer
        .run({
          eachMessage: async ({ partition: seen, message }) => {
            if (seen === partition && message.offset === offset && message.value) {
              clearTimeout(timer);
              resolve(message.value);
            }
          },
        })
        .then(() => consumer.seek({ topic: DEMO_TOPIC, partition, offset }))
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('bring the stack up, apply topics and DDL, and take one event through every service')
    .action(async (_options: unknown, command: Command) => {
      const config = configFrom(command);
      console.log('Bringing the local stack up (the first run downloads Kafka, Apicurio and ClickHouse) ...');
      console.log(formatReports(await stackUp({ config })));

      const admin = createKafkaJs(config.kafka).admin();
      await admin.connect();
      try {
        const changes = await applyTopics(admin, pipelineTopics());
        step(`topics: ${pipelineTopics().length} pipeline topics in place (${changes.length} changed)`);
      } finally {
        await admin.disconnect();
      }
      const statements = await migrateDatabase(config.clickhouse);
      step(`clickhouse: ${statements.length} DDL statements applied to ${config.clickhouse.database}`);

      await roundTrip(config);
      console.log('Round trip complete: registry, Kafka, Redis and ClickHouse all answered.');
    });
}
