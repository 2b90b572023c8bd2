import Redis from 'ioredis';
import { catalogCardOrigin, contentCardKey } from '../cache/catalog-origin';
import { InvalidationListener } from '../cache/invalidation-listener';
import { ReadThroughCache } from '../cache/read-through-cache';
import { kafkajsAdmin } from '../runtime/kafka/kafkajs/admin';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../runtime/kafka/kafkajs/transport';
import type { ReelstreamConfig } from '../runtime/config/schema';
import { avroType } from '../schemas/catalog';
import { AvroSerializer } from '../schemas/serde/avro-serializer';
import { connectSchemaRegistry } from '../schemas/serde/registry-client';
import type { CacheInvalidation } from '../schemas/types.generated';
import { invalidationStorm, zipfReads, type GroupReads } from '../simulator/cache-workload';

export interface CacheSimulation {
  /** Zipf readers of the content cards, through a read-through cache, while the playback is produced. */
  readers?: number;
  /** A storm of prefix invalidations: per second, for how many seconds, of which prefix. */
  storm?: { perSecond: number; seconds: number; prefix: string };
  invalidationTopic: string;
  /** The cache-invalidation application whose offsets the cache's listener starts from. */
  invalidationApplication: string;
  contents: number;
  contentPrefix: string;
}

const rate = ({ l1Hits, requests }: GroupReads) =>
  requests === 0 ? 'n/a' : `${((100 * l1Hits) / requests).toFixed(2)} %`;

/**
 * `reelstream simulate`'s cache workload, run beside the playback it produces (until `done`): Zipf
 * reads of the scenario's content cards through a read-through cache (level 1 here, level 2 in Redis,
 * catalog-sync's hashes as the origin, invalidations from the topic), and an invalidation storm.
 * Storm versions are times (ms), so the storm's prefix must not be one whose entries carry catalog
 * versions (the default `storm:` is not).
 */
export async function simulateCache(
  config: ReelstreamConfig,
  options: CacheSimulation,
  done: Promise<unknown>,
): Promise<string[]> {
  const lines: string[] = [];
  const registry = connectSchemaRegistry(config.schemaRegistry);
  const kafka = createKafkaJs(config.kafka);
  const redis = new Redis(config.redis.url, { commandTimeout: config.redis.commandTimeoutMs });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  let running = true;
  void done.finally(() => (running = false));
  try {
    const work: Promise<void>[] = [];
    if (options.readers) {
      let origin = 0;
      const cardOrigin = catalogCardOrigin(redis, config.redis.keyPrefix);
      const cache = new ReadThroughCache<unknown>({
        name: 'simulate',
        redis,
        keyPrefix: config.redis.keyPrefix,
        origin: (key) => ((origin += 1), cardOrigin(key)),
      });
      const listener = new InvalidationListener({
        transport: kafkajsTransport(config.kafka),
        admin: kafkajsAdmin(admin),
        registry,
        topic: options.invalidationTopic,
        applicationId: options.invalidationApplication,
        name: 'simulate',
      }).add(cache);
      await listener.start();
      const readers = options.readers;
      work.push(
        (async () => {
          const started = Date.now();
          const reads = await zipfReads(cache, {
            titles: options.contents,
            keyOf: (rank) => {
              const contentId = `${options.contentPrefix}-${rank}`;
              return { key: contentCardKey(contentId), tags: [contentId] };
            },
            durationMs: Number.MAX_SAFE_INTEGER,
            concurrency: readers,
            stop: () => !running,
          });
          await listener.close();
          const seconds = (Date.now() - started) / 1000;
          lines.push(
            `cache reads: ${reads.all.requests.toLocaleString('en-US')} in ${seconds.toFixed(0)} s by ${readers} readers (${reads.failures} failed: titles the catalog lacks); level-1 hit rate top 1 % ${rate(reads.top1)}, top 10 % ${rate(reads.top10)}, all ${rate(reads.all)}; ${origin.toLocaleString('en-US')} origin loads`,
          );
        })(),
      );
    }
    const storm = options.storm;
    if (storm) {
      const serializer = new AvroSerializer<CacheInvalidation>(
        avroType('CacheInvalidation'),
        `${options.invalidationTopic}-value`,
        registry,
      );
      await serializer.init();
      work.push(
        (async () => {
          const started = Date.now();
          const sent = await invalidationStorm(producer, serializer, {
            topic: options.invalidationTopic,
            prefix: storm.prefix,
            perSecond: storm.perSecond,
            durationMs: storm.seconds * 1000,
            version: () => Date.now(),
          });
          lines.push(
            `invalidation storm: ${sent.toLocaleString('en-US')} invalidations of prefix ${storm.prefix} to ${options.invalidationTopic} at ${Math.round(sent / ((Date.now() - started) / 1000)).toLocaleString('en-US')}/s`,
          );
        })(),
      );
    }
    await Promise.all(work);
    return lines;
  } finally {
    await producer.disconnect();
    await admin.disconnect();
    redis.disconnect();
  }
}
