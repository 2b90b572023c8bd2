import type { Command } from 'commander';
import Redis from 'ioredis';
import { startContentCardService } from '../../cache/content-card-service';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { kafkajsAdmin } from '../../runtime/kafka/kafkajs/admin';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../../runtime/kafka/kafkajs/transport';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { ClickhouseCacheStatsWriter } from '../../sinks/clickhouse/cache-stats-writer';
import { connectClickhouse } from '../../sinks/clickhouse/connection';
import { RedisCacheStatsWriter } from '../../sinks/redis/cache-stats-writer';
import { RedisKeys } from '../../sinks/redis/keys';
import { configFrom } from '../options';

const port = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65_535)
    throw new ConfigError(`--port must be a port number, not "${value}"`);
  return parsed;
};

export function registerCacheCommand(program: Command): void {
  const cache = program.command('cache').description('the read-through cache client (docs/cache.md)');
  cache
    .command('serve')
    .description(
      'the example service: content cards from the catalog through the cache, warmed with the hottest titles before it serves',
    )
    .requiredOption('--port <port>', 'serve at http://127.0.0.1:<port>/content/<id>, /ready and /metrics', port)
    .option('--invalidation-topic <topic>', 'the invalidation topic', 'cache.invalidation')
    .option('--hotness-topic <topic>', 'the hotness topic', 'content.hotness')
    .option('--invalidation-app <id>', 'the cache-invalidation application id', 'cache-invalidation')
    .option('--instance-id <id>', 'names this instance in the per-minute cache stats', `card-service-${process.pid}`)
    .action(
      async (
        options: {
          port: number;
          invalidationTopic: string;
          hotnessTopic: string;
          invalidationApp: string;
          instanceId: string;
        },
        command: Command,
      ) => {
        const config = configFrom(command);
        const log = createLogger('cache');
        const redis = new Redis(config.redis.url, { commandTimeout: config.redis.commandTimeoutMs });
        const admin = createKafkaJs(config.kafka).admin();
        await admin.connect();
        const clickhouse = connectClickhouse(config.clickhouse);
        const service = await startContentCardService({
          redis,
          keyPrefix: config.redis.keyPrefix,
          transport: kafkajsTransport(config.kafka),
          admin: kafkajsAdmin(admin),
          registry: connectSchemaRegistry(config.schemaRegistry),
          port: options.port,
          invalidationTopic: options.invalidationTopic,
          hotnessTopic: options.hotnessTopic,
          invalidationApplication: options.invalidationApp,
          instanceId: options.instanceId,
          statsWriters: [
            new RedisCacheStatsWriter(redis, new RedisKeys(config.redis.keyPrefix)),
            new ClickhouseCacheStatsWriter(clickhouse, config.clickhouse.database),
          ],
        });
        await new Promise<void>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        log.info('stopping the content card service');
        await service.close();
        await admin.disconnect();
        await clickhouse.close();
        redis.disconnect();
      },
    );
}
