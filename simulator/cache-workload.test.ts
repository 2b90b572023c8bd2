import type { Producer } from 'kafkajs';
import type { ReadThroughCache } from '../cache/read-through-cache';
import { avroType } from '../schemas/catalog';
import { AvroSerializer } from '../schemas/serde/avro-serializer';
import { InMemoryRegistry } from '../schemas/testing/in-memory-registry';
import type { CacheInvalidation } from '../schemas/types.generated';
import { invalidationStorm, zipfReads } from './cache-workload';

describe('cache workload', () => {
  it('reads by Zipf popularity, counts level-1 hits per group, and moves the flash crowd title to the top', async () => {
    const seen = new Map<string, number>();
    let clock = 0;
    const cache = {
      getEntry: async (key: string) => {
        seen.set(key, (seen.get(key) ?? 0) + 1);
        return { outcome: (seen.get(key) ?? 0) > 1 ? 'hit' : 'miss' };
      },
    } as unknown as ReadThroughCache<unknown>;
    const result = await zipfReads(cache, {
      titles: 1_000,
      keyOf: (rank) => ({ key: `t${rank}`, tags: [] }),
      durationMs: 300,
      concurrency: 4,
      flashCrowd: { atMs: 150, rank: 999 },
      random: () => (clock = (clock * 16_807 + 1) % 2_147_483_647) / 2_147_483_647,
    });
    expect(result.all.requests).toBeGreaterThan(100);
    // Zipf(1) over 1,000 titles: the top 1 % take about 39 % of the reads. Once the crowd starts, its
    // title holds rank 0's share (counted apart), so the two together keep it whenever the crowd begins.
    expect(result.top1.requests + result.flashCrowd.requests).toBeGreaterThan(result.all.requests * 0.35);
    expect(result.top1.l1Hits / result.top1.requests).toBeGreaterThan(result.all.l1Hits / result.all.requests);
    expect(result.flashCrowd.requests).toBeGreaterThan(0);
    expect(result.failures).toBe(0);
  });

  it('a storm sends its rate of prefix invalidations with rising versions', async () => {
    const registry = new InMemoryRegistry();
    const serializer = new AvroSerializer<CacheInvalidation>(avroType('CacheInvalidation'), 'storm-value', registry);
    await serializer.init();
    const sent: number[] = [];
    const producer = {
      send: async ({ messages }: { messages: unknown[] }) => void sent.push(messages.length),
    } as unknown as Producer;
    let version = 0;
    const count = await invalidationStorm(producer, serializer, {
      topic: 'storm',
      prefix: 'hot:',
      perSecond: 2_000,
      durationMs: 200,
      version: () => (version += 1),
    });
    expect(count).toBe(sent.reduce((a, b) => a + b, 0));
    expect(count).toBeGreaterThanOrEqual(300);
    expect(sent.every((n) => n === 100)).toBe(true);
    expect(version).toBe(count);
  });
});
