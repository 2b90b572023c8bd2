import fc from 'fast-check';
import { coalesce, covers, type Invalidation } from './invalidations';

describe('cache invalidations', () => {
  it('coalesces a storm: one per target, at its highest version, in order of first appearance', () => {
    const storm: Invalidation[] = [
      { targetType: 'prefix', target: 'content:', version: 3 },
      { targetType: 'key', target: 'content:', version: 1 },
      { targetType: 'prefix', target: 'content:', version: 7 },
      { targetType: 'prefix', target: 'content:', version: 5 },
    ];
    expect(coalesce(storm)).toEqual([
      { targetType: 'prefix', target: 'content:', version: 7 },
      { targetType: 'key', target: 'content:', version: 1 },
    ]);
  });

  it('coalescing never loses the highest version of any target (property)', () => {
    const invalidation = fc.record({
      targetType: fc.constantFrom('key' as const, 'prefix' as const, 'content_id' as const),
      target: fc.constantFrom('a', 'b', 'c:d'),
      version: fc.nat(100),
    });
    fc.assert(
      fc.property(fc.array(invalidation, { maxLength: 60 }), (burst) => {
        const out = coalesce(burst);
        for (const { targetType, target } of burst) {
          const highest = Math.max(
            ...burst.filter((i) => i.targetType === targetType && i.target === target).map((i) => i.version),
          );
          expect(out.filter((i) => i.targetType === targetType && i.target === target)).toEqual([
            { targetType, target, version: highest },
          ]);
        }
      }),
    );
  });

  it('covers a key by itself, by any prefix of it and by a content id it is tagged with', () => {
    expect(covers({ targetType: 'key', target: 'content:c1', version: 1 }, 'content:c1', [])).toBe(true);
    expect(covers({ targetType: 'key', target: 'content:c1', version: 1 }, 'content:c10', [])).toBe(false);
    expect(covers({ targetType: 'prefix', target: 'content:c1', version: 1 }, 'content:c10', [])).toBe(true);
    expect(covers({ targetType: 'content_id', target: 'c1', version: 1 }, 'row:7', ['c1'])).toBe(true);
    expect(covers({ targetType: 'content_id', target: 'c1', version: 1 }, 'content:c1', [])).toBe(false);
  });
});
