import Redis from 'ioredis';
import type { SinkResolver } from '../runtime/app/sink-set';
import type { ReelstreamConfig } from '../runtime/config/schema';
import { ConfigError, RecordRefusedError } from '../core/errors';
import type { Sink, SinkDescriptor } from '../runtime/topology/sink-descriptor';
import { connectClickhouse, type ClickhouseConnection } from '../sinks/clickhouse/connection';
import { ClickhouseRowsSink } from '../sinks/clickhouse/rows-sink';
import { RedisKeys, type Resolution } from '../sinks/redis/keys';
import { RedisCacheInvalidationSink } from '../sinks/redis/cache-invalidation-sink';
import { RedisCatalogSink } from '../sinks/redis/catalog-sink';
import { RedisHotnessSink } from '../sinks/redis/hotness-sink';
import { RedisWindowSink } from '../sinks/redis/window-sink';

/** A row is an object of column values; anything else is refused (to the DLQ), not inserted as an empty row. */
function rowOf(value: unknown, table: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RecordRefusedError(`a row for ${table} must be an object of column values, not ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

/**
 * Resolves the sink descriptors a topology names (runtime/dsl/sinks.ts) to the adapters in sinks/,
 * sharing one Redis client and one ClickHouse connection. `close` releases them after the run.
 */
export function createSinkResolver(
  config: ReelstreamConfig,
  applicationId: string,
): { resolve: SinkResolver; close(): Promise<void> } {
  let redis: Redis | undefined;
  let clickhouse: ClickhouseConnection | undefined;
  const keys = new RedisKeys(config.redis.keyPrefix);
  const database = config.clickhouse.database;

  const redisClient = () =>
    (redis ??= new Redis(config.redis.url, { maxRetriesPerRequest: 3, commandTimeout: config.redis.commandTimeoutMs }));

  const resolve = (descriptor: SinkDescriptor): Sink => {
    const options = descriptor.options ?? {};
    switch (descriptor.type) {
      case 'redis-windows':
        return new RedisWindowSink(redisClient(), keys, {
          view: String(options.view),
          resolution: options.resolution as Resolution,
          topNScore: options.topN ? (aggregate) => Number(aggregate.concurrentViewers ?? 0) : undefined,
        }) as Sink;
      case 'redis-catalog':
        return new RedisCatalogSink(redisClient(), keys) as Sink;
      case 'redis-hotness':
        return new RedisHotnessSink(redisClient(), keys) as Sink;
      case 'redis-cache-invalidation':
        return new RedisCacheInvalidationSink(redisClient(), keys, { markTtlMs: config.redis.cacheMarkTtlMs }) as Sink;
      case 'clickhouse-rows': {
        clickhouse ??= connectClickhouse(config.clickhouse);
        const ledger = options.ledger === true;
        return new ClickhouseRowsSink(clickhouse, {
          name: `${applicationId}-${String(options.table)}`,
          table: `${database}.${String(options.table)}`,
          ledgerTable: ledger ? `${database}.sink_offset_ledger` : undefined,
          toRow: (record) => ({
            ...rowOf(record.value, String(options.table)),
            ...(ledger
              ? {
                  source_topic: record.source?.topic,
                  source_partition: record.source?.partition,
                  source_offset: Number(record.source?.offset),
                }
              : {}),
          }),
        }) as Sink;
      }
      default:
        throw new ConfigError(
          `sink "${descriptor.name}": unknown sink type "${descriptor.type}" (known: redis-windows, redis-catalog, redis-cache-invalidation, redis-hotness, clickhouse-rows)`,
        );
    }
  };

  return {
    resolve,
    close: async () => {
      redis?.disconnect();
      await clickhouse?.close();
    },
  };
}
