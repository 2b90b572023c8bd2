import { RedisKeys, windowStartOf } from './keys';

describe('RedisKeys', () => {
  const keys = new RedisKeys('rs');

  it('builds aggregate and top-N keys from view, resolution, dimension and window start', () => {
    expect(keys.aggregate('content', '1m', 'c-17', 1_700_000_040_000)).toBe('rs:agg:content:1m:c-17:1700000040000');
    expect(keys.aggregate('content-region', '10s', RedisKeys.dimension('c-17', 'eu'), 0)).toBe(
      'rs:agg:content-region:10s:c-17|eu:0',
    );
    expect(keys.topN('content', '1m', 60_000)).toBe('rs:top:content:1m:60000');
  });

  it('rejects parts that would make keys ambiguous', () => {
    expect(() => keys.aggregate('content', '1m', 'a:b', 0)).toThrow(/dimension/);
    expect(() => keys.aggregate('con tent', '1m', 'a', 0)).toThrow(/view/);
    expect(() => new RedisKeys('')).toThrow(/prefix/);
  });

  it('finds window starts, also before the epoch', () => {
    expect(windowStartOf(125_000, '1m')).toBe(120_000);
    expect(windowStartOf(125_000, '10s')).toBe(120_000);
    expect(windowStartOf(-1, '10s')).toBe(-10_000);
  });
});
