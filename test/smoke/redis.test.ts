import Redis from 'ioredis';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

const config = testConfig();
const redis = new Redis(config.redis.url);
const prefix = `${uniqueName('it_redis')}:`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('Redis (real server)', () => {
  it('stores and reads a value, a hash and a sorted set under a unique prefix', async () => {
    await redis.set(`${prefix}plain`, 'value', 'EX', 60);
    await redis.hset(`${prefix}window`, { starts: '3', viewers: '2' });
    await redis.zadd(`${prefix}top`, 5, 'content-a', 9, 'content-b');
    expect(await redis.get(`${prefix}plain`)).toBe('value');
    expect(await redis.hgetall(`${prefix}window`)).toEqual({ starts: '3', viewers: '2' });
    expect(await redis.zrevrange(`${prefix}top`, 0, -1)).toEqual(['content-b', 'content-a']);
    expect(await redis.ttl(`${prefix}plain`)).toBeGreaterThan(0);
  });
});
