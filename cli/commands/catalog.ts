import type { Command } from 'commander';
import Redis from 'ioredis';
import { ConfigError } from '../../core/errors';
import { CATALOG_CONTENT_TOPIC } from '../../infra/kafka/topics';
import { resolveCatalogUpdate, type CatalogState } from '../../processors/catalog/catalog-rules';
import { catalogUpdateOf } from '../../processors/catalog/catalog-validation';
import { kafkajsAdmin } from '../../runtime/kafka/kafkajs/admin';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../../runtime/kafka/kafkajs/transport';
import type { ConsumedRecord } from '../../runtime/kafka/transport';
import { avroType } from '../../schemas/catalog';
import { AvroDeserializer } from '../../schemas/serde/avro-deserializer';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import type { ContentMetadata } from '../../schemas/types.generated';
import { RedisKeys } from '../../sinks/redis/keys';
import { configFrom } from '../options';

/** What the topic's records of one content fold to by the catalog rules: what every global table of it holds. */
async function foldFromTopic(command: Command, topic: string, contentId: string): Promise<CatalogState | undefined> {
  const config = configFrom(command);
  const kafka = createKafkaJs(config.kafka);
  const admin = kafka.admin();
  await admin.connect();
  const records: ConsumedRecord[] = [];
  try {
    const counts = await kafkajsAdmin(admin).partitionCounts([topic]);
    const partitions = counts.get(topic);
    if (partitions === undefined)
      throw new ConfigError(`topic ${topic} does not exist (create it: reelstream topics apply)`);
    const reader = kafkajsTransport(config.kafka).partitionReader();
    await reader.readToEnd(
      Array.from({ length: partitions }, (_, partition) => ({ topic, partition })),
      (record) => {
        if (record.key?.toString('utf8') === contentId) records.push(record);
      },
    );
    await reader.disconnect();
  } finally {
    await admin.disconnect();
  }
  const deserializer = new AvroDeserializer<ContentMetadata>(
    avroType('ContentMetadata'),
    connectSchemaRegistry(config.schemaRegistry),
  );
  await deserializer.prepare(records.map((record) => record.value));
  let state: CatalogState | undefined;
  for (const record of records) {
    try {
      const value = record.value === null ? null : deserializer.decode(record.value);
      state = resolveCatalogUpdate(state, catalogUpdateOf(contentId, value, record.headers, record.timestamp)).next;
    } catch {
      // A corrupt record: catalog-sync sent it to its DLQ; no materialization applies it.
    }
  }
  return state;
}

export function registerCatalogCommand(program: Command): void {
  const catalog = program.command('catalog').description('the catalog materializations (catalog-sync)');
  catalog
    .command('get')
    .description(
      "what each materialization holds for a content id, and its version: catalog-sync's Redis hash and the table the topic folds to",
    )
    .argument('<contentId>', 'the content id')
    .option('--topic <topic>', 'the catalog topic', CATALOG_CONTENT_TOPIC)
    .option('--json', 'print one JSON object')
    .action(async (contentId: string, options: { topic: string; json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const redis = new Redis(config.redis.url, {
        maxRetriesPerRequest: 3,
        commandTimeout: config.redis.commandTimeoutMs,
      });
      let hash: Record<string, string>;
      try {
        hash = await redis.hgetall(new RedisKeys(config.redis.keyPrefix).catalog(contentId));
      } finally {
        redis.disconnect();
      }
      const table = await foldFromTopic(command, options.topic, contentId);
      const redisView = Object.keys(hash).length === 0 ? null : hash;
      const tableView = table
        ? {
            version: table.version,
            deleted: table.deleted,
            title: table.metadata?.title ?? null,
            metadata: table.metadata,
          }
        : null;
      if (options.json) {
        console.log(JSON.stringify({ contentId, redis: redisView, table: tableView }));
        return;
      }
      const describe = (view: { version: string | number; deleted: string | boolean; title?: string | null } | null) =>
        view === null
          ? 'absent'
          : `version ${view.version}${String(view.deleted) === '1' || view.deleted === true ? ', deleted' : `, "${view.title ?? ''}"`}`;
      console.log(`${contentId}`);
      console.log(`  redis (catalog-sync):           ${describe(redisView as never)}`);
      console.log(`  ${options.topic} (global tables): ${describe(tableView)}`);
      if (redisView) for (const [field, value] of Object.entries(redisView)) console.log(`    ${field}: ${value}`);
    });
}
