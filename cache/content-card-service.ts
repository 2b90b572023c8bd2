import { createServer, type Server } from 'node:http';
import type { Redis } from 'ioredis';
import { createLogger } from '../core/logging';
import type { KafkaAdmin } from '../runtime/kafka/admin';
import type { KafkaTransport } from '../runtime/kafka/transport';
import { metricsRegistry } from '../runtime/metrics';
import type { SchemaRegistryClient } from '../schemas/serde/registry-client';
import { CacheStats, type CacheMinuteWriter } from './cache-stats';
import { CacheWarmer } from './cache-warmer';
import { catalogCardOrigin, contentCardKey, type ContentCard } from './catalog-origin';
import { HotnessHints } from './hotness-hints';
import { InvalidationListener } from './invalidation-listener';
import { NotFoundError, ReadThroughCache } from './read-through-cache';

const log = createLogger('content-card-service');

export interface ContentCardServiceOptions {
  redis: Redis;
  keyPrefix?: string;
  transport: KafkaTransport;
  admin: KafkaAdmin;
  registry: SchemaRegistryClient;
  port: number;
  host?: string;
  invalidationTopic?: string;
  hotnessTopic?: string;
  /** The cache-invalidation application whose committed offsets say what level 2 holds. */
  invalidationApplication?: string;
  /** Names this instance in the per-minute cache stats. */
  instanceId: string;
  /** Where the per-minute cache stats go (Redis, ClickHouse). */
  statsWriters: readonly CacheMinuteWriter[];
}

/**
 * The example service of the cache client (`reelstream cache serve`): content cards from the catalog
 * through the read-through cache. Before it listens it reads the hotness hints and warms every card
 * of the top tier; while it runs, invalidations reach its level 1 and titles turning hot are warmed.
 *
 *   GET /content/<id>  the card (JSON), 404 when the catalog has no such content
 *   GET /ready         200 once warmed
 *   GET /metrics       Prometheus metrics (reelstream_cache_*)
 */
export async function startContentCardService(
  options: ContentCardServiceOptions,
): Promise<{ server: Server; close(): Promise<void> }> {
  const name = 'content-cards';
  const hints = new HotnessHints({ ...options, topic: options.hotnessTopic });
  const stats = new CacheStats(name, options.instanceId, options.statsWriters);
  stats.start();
  const cache = new ReadThroughCache<ContentCard>({
    name,
    redis: options.redis,
    keyPrefix: options.keyPrefix,
    origin: catalogCardOrigin(options.redis, options.keyPrefix),
    ttlFor: (_key, tags) => hints.ttlFor(tags),
    stats,
  });
  const listener = new InvalidationListener({
    ...options,
    name,
    topic: options.invalidationTopic,
    applicationId: options.invalidationApplication,
  }).add(cache);
  await listener.start();
  await hints.start();
  const warmer = new CacheWarmer(
    cache as ReadThroughCache<unknown>,
    hints,
    (contentId) => [{ key: contentCardKey(contentId), tags: [contentId] }],
    name,
  );
  const warmed = await warmer.warmTopTier();
  warmer.followHotness();

  const server = createServer((request, response) => {
    const url = request.url ?? '';
    const card = /^\/content\/([^/?\s]+)$/.exec(url);
    if (card) {
      cache
        .get(contentCardKey(decodeURIComponent(card[1] as string)))
        .then((value) => response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(value)))
        .catch((error: Error) =>
          response
            .writeHead(error instanceof NotFoundError ? 404 : 503, { 'Content-Type': 'text/plain' })
            .end(`${error.message}\n`),
        );
      return;
    }
    if (url === '/ready') {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ready\n');
      return;
    }
    if (url === '/metrics') {
      metricsRegistry
        .metrics()
        .then((text) => response.writeHead(200, { 'Content-Type': metricsRegistry.contentType }).end(text))
        .catch((error: Error) => response.writeHead(500).end(error.message));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  log.info({ port: options.port, warmed, top1: hints.top1().length }, 'serving content cards');
  return {
    server,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await listener.close();
      await hints.close();
      await stats.close();
    },
  };
}
