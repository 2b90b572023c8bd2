import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { Histogram } from 'prom-client';
import type { CatalogChange } from '../../processors/catalog/catalog-sync';
import { ServiceUnavailableError } from '../../core/errors';
import { metricsRegistry } from '../../runtime/metrics';
import { LatestPerKeySink } from './latest-per-key-sink';
import type { RedisKeys } from './keys';

const CATALOG_APPLY = readFileSync(join(__dirname, 'lua', 'catalog-apply.lua'), 'utf8');

export const catalogPropagation = new Histogram({
  name: 'reelstream_catalog_propagation_seconds',
  help: "From a catalog record's Kafka timestamp to Redis acknowledging its change (catalog-sync)",
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

type CatalogRedis = Redis & {
  reelstreamCatalogApply(key: string, ...args: string[]): Promise<number>;
};

/** The content's fields as the hash holds them: strings, nested values as JSON. */
function fieldsOf(change: CatalogChange): Record<string, string> {
  const metadata = change.metadata;
  if (change.deleted || !metadata) return {};
  return {
    contentId: metadata.contentId,
    title: metadata.title,
    series: JSON.stringify(metadata.series),
    genres: JSON.stringify(metadata.genres),
    maturityRating: metadata.maturityRating,
    availability: JSON.stringify(metadata.availability),
    thumbnails: JSON.stringify(metadata.thumbnails),
    updatedAtMs: String(metadata.updatedAtMs),
    outcome: change.outcome,
  };
}

/**
 * catalog-sync's Redis materialization: one hash per content id, written by the version-guarded
 * script lua/catalog-apply.lua, so a replayed or older change can never overwrite a newer one.
 * Changes are collapsed per content between flushes (the latest wins) and sent as one pipeline at
 * the commit's step 1; a failed flush keeps them and is retried (latest-per-key-sink.ts). A delete leaves the hash with its
 * version and `deleted` 1, so an older update arriving later is refused by the script too.
 */
export class RedisCatalogSink extends LatestPerKeySink<CatalogChange> {
  readonly name = 'redis:catalog';
  protected readonly what = 'catalog changes';
  private readonly redis: CatalogRedis;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    super();
    if (!('reelstreamCatalogApply' in redis))
      redis.defineCommand('reelstreamCatalogApply', { numberOfKeys: 1, lua: CATALOG_APPLY });
    this.redis = redis as CatalogRedis;
  }

  protected keyOf(change: CatalogChange): string {
    return this.keys.catalog(change.contentId);
  }

  protected async send(batch: ReadonlyMap<string, CatalogChange>): Promise<void> {
    const pipeline = this.redis.pipeline() as unknown as {
      reelstreamCatalogApply(key: string, ...args: string[]): void;
      exec(): Promise<[Error | null, unknown][] | null>;
    };
    const now = String(Date.now());
    for (const [key, change] of batch)
      pipeline.reelstreamCatalogApply(
        key,
        String(change.version),
        String(change.sourcePartition),
        String(change.sourceOffset),
        change.deleted ? '1' : '0',
        JSON.stringify(fieldsOf(change)),
        now,
      );
    const results = await pipeline.exec().catch((error: unknown) => {
      throw new ServiceUnavailableError('redis', `catalog pipeline of ${batch.size} changes failed`, { cause: error });
    });
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed)
      throw new ServiceUnavailableError('redis', `catalog pipeline failed: ${failed?.[0]?.message ?? 'no reply'}`);
    const acknowledged = Date.now();
    for (const change of batch.values()) catalogPropagation.observe((acknowledged - change.sourceTimestampMs) / 1000);
  }
}
