import type { Producer } from 'kafkajs';
import type { ReadThroughCache } from '../cache/read-through-cache';
import type { Invalidation } from '../processors/cache/invalidations';
import { AvroSerializer } from '../schemas/serde/avro-serializer';
import type { CacheInvalidation } from '../schemas/types.generated';
import { Zipf } from './random';

/** Reads of one popularity group: the top 1 % of titles, the top 10 %, or all. */
export interface GroupReads {
  requests: number;
  /** Answered by level 1 (a hit, a read joining a load in flight, or a stale value served while reloading). */
  l1Hits: number;
}

export interface ZipfReadOptions {
  /** Title ranks 0..titles-1, rank 0 the most popular; `keyOf(rank)` is a title's cache key and tags. */
  titles: number;
  keyOf: (rank: number) => { key: string; tags: string[] };
  /** Zipf exponent (default 1: 5 % of titles take most reads, as the platform sees). */
  exponent?: number;
  durationMs: number;
  /** Ends the reads before `durationMs` once it returns true. */
  stop?: () => boolean;
  /** Readers running at once (default 32). */
  concurrency?: number;
  /** Reads per second over all readers; unpaced (as fast as the cache answers) when absent. */
  ratePerSecond?: number;
  /**
   * A flash crowd: from `atMs` after the start, title `rank` (a tail title) takes the place of the most
   * popular one (its reads from then on are counted in `flashCrowd`).
   */
  flashCrowd?: { atMs: number; rank: number };
  random?: () => number;
}

export interface ZipfReadResult {
  top1: GroupReads;
  top10: GroupReads;
  all: GroupReads;
  flashCrowd: GroupReads;
  failures: number;
}

const group = (): GroupReads => ({ requests: 0, l1Hits: 0 });

/**
 * The read side of a cache workload: `concurrency` readers pick titles by Zipf popularity and read
 * them through the cache for `durationMs`, counting level-1 hits per popularity group.
 */
export async function zipfReads(cache: ReadThroughCache<unknown>, options: ZipfReadOptions): Promise<ZipfReadResult> {
  const zipf = new Zipf(options.titles, options.exponent ?? 1);
  const random = options.random ?? Math.random;
  const top1 = Math.max(1, Math.ceil(options.titles * 0.01));
  const top10 = Math.max(1, Math.ceil(options.titles * 0.1));
  const result: ZipfReadResult = { top1: group(), top10: group(), all: group(), flashCrowd: group(), failures: 0 };
  const started = Date.now();
  const flash = options.flashCrowd;
  /** Reads per second of one reader. */
  const pace = options.ratePerSecond === undefined ? undefined : options.ratePerSecond / (options.concurrency ?? 32);
  const reader = async () => {
    for (let reads = 0; Date.now() - started < options.durationMs && !options.stop?.(); reads += 1) {
      let rank = zipf.rank(random());
      const crowding = flash !== undefined && Date.now() - started >= flash.atMs;
      // The crowd's title takes rank 0's reads; rank 0 takes the crowd title's old place.
      if (crowding && rank === 0) rank = flash.rank;
      else if (crowding && rank === flash.rank) rank = 0;
      const { key, tags } = options.keyOf(rank);
      try {
        const { outcome } = await cache.getEntry(key, tags);
        const hit = outcome === 'hit' || outcome === 'inflight' || outcome === 'stale';
        const groups = [result.all];
        if (crowding && rank === flash.rank) groups.push(result.flashCrowd);
        else if (rank < top1) groups.push(result.top1, result.top10);
        else if (rank < top10) groups.push(result.top10);
        for (const counted of groups) {
          counted.requests += 1;
          if (hit) counted.l1Hits += 1;
        }
      } catch {
        result.failures += 1;
      }
      // Let invalidations and other readers in: a read that hits L1 resolves without I/O.
      if (reads % 64 === 0) {
        const due = pace === undefined ? 0 : started + (reads * 1000) / pace - Date.now();
        await new Promise((resolve) => (due > 0 ? setTimeout(resolve, due) : setImmediate(resolve)));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 32 }, reader));
  return result;
}

/**
 * An invalidation storm: `perSecond` invalidations of one prefix for `durationMs`, each with the next
 * version from `version()`, sent in 20 batches a second. Returns how many were sent.
 */
export async function invalidationStorm(
  producer: Producer,
  serializer: AvroSerializer<CacheInvalidation>,
  options: { topic: string; prefix: string; perSecond: number; durationMs: number; version: () => number },
): Promise<number> {
  const perTick = Math.max(1, Math.round(options.perSecond / 20));
  const started = Date.now();
  let sent = 0;
  for (let tick = 0; Date.now() - started < options.durationMs; tick += 1) {
    const now = Date.now();
    const messages = Array.from({ length: perTick }, () => {
      const invalidation: Invalidation = { targetType: 'prefix', target: options.prefix, version: options.version() };
      return {
        key: options.prefix,
        value: serializer.encode({ ...invalidation, reason: 'storm', issuedAtMs: now }),
        timestamp: String(now),
      };
    });
    await producer.send({ topic: options.topic, messages });
    sent += messages.length;
    const due = started + (tick + 1) * 50;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
  }
  return sent;
}
