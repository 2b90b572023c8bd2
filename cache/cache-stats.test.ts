import { CacheStats, type CacheMinute, type CacheMinuteWriter } from './cache-stats';

class Writer implements CacheMinuteWriter {
  readonly written: CacheMinute[] = [];
  down = false;
  constructor(readonly name: string) {}
  async write(minutes: readonly CacheMinute[]): Promise<void> {
    if (this.down) throw new Error(`${this.name} down`);
    this.written.push(...minutes);
  }
}

describe('cache stats', () => {
  it('writes each finished minute to every writer; a writer that was down gets its minutes later', async () => {
    let now = 120_000;
    const redis = new Writer('redis');
    const clickhouse = new Writer('clickhouse');
    const stats = new CacheStats('cards', 'i1', [redis, clickhouse], () => now);
    stats.count('requests', 10);
    stats.count('l1Hits', 9);
    stats.count('originLoads');
    clickhouse.down = true;
    now = 185_000; // the next minute
    stats.count('requests');
    await stats.tick();
    expect(redis.written).toEqual([
      expect.objectContaining({ minuteStartMs: 120_000, requests: 10, l1Hits: 9, originLoads: 1, instance: 'i1' }),
    ]);
    expect(clickhouse.written).toEqual([]);
    clickhouse.down = false;
    await stats.close(); // the minute in progress too
    expect(clickhouse.written.map((m) => [m.minuteStartMs, m.requests])).toEqual([
      [120_000, 10],
      [180_000, 1],
    ]);
    expect(redis.written.map((m) => m.minuteStartMs)).toEqual([120_000, 180_000]);
  });
});
