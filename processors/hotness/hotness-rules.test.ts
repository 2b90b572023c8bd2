import fc from 'fast-check';
import { changedEnough, decayTo, rank } from './hotness-rules';

describe('hotness rules', () => {
  it('halves decayed views per half-life and never grows them', () => {
    expect(decayTo(8, 0, 600_000, 600_000)).toBeCloseTo(4);
    expect(decayTo(8, 0, 1_800_000, 600_000)).toBeCloseTo(1);
    expect(decayTo(8, 100, 50, 600_000)).toBe(8); // an older time: unchanged
  });

  it('tiers: the top 1 % (at least one), the rest of the top 10 %, the long tail; scores 0–1 from the hottest', () => {
    const contents = Array.from({ length: 200 }, (_, i) => ({ contentId: `c${i}`, decayedViews: 200 - i }));
    const ranked = rank(contents);
    expect(ranked.filter((r) => r.tier === 'top1').map((r) => r.contentId)).toEqual(['c0', 'c1']);
    expect(ranked.filter((r) => r.tier === 'top10')).toHaveLength(18);
    expect(ranked[0]).toMatchObject({ score: 1, rank: 1 });
    expect(ranked[199]?.score).toBeCloseTo(1 / 200);
    expect(rank([{ contentId: 'only', decayedViews: 3 }])[0]?.tier).toBe('top1');
  });

  it('ranking is deterministic and ordered, whatever the input order (property)', () => {
    const content = fc.record({
      contentId: fc.stringMatching(/^c[0-9]{1,3}$/),
      decayedViews: fc.double({ min: 0, max: 1e6, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(content, { selector: (c) => c.contentId, maxLength: 80 }), (contents) => {
        const ranked = rank(contents);
        expect(rank([...contents].reverse())).toEqual(ranked);
        for (let i = 1; i < ranked.length; i += 1)
          expect((ranked[i - 1]?.decayedViews ?? 0) >= (ranked[i]?.decayedViews ?? 0)).toBe(true);
        for (const r of ranked) expect(r.score >= 0 && r.score <= 1).toBe(true);
      }),
    );
  });

  it('publishes a change of tier, or of score by 0.01 or more', () => {
    const next = { contentId: 'c', decayedViews: 1, score: 0.5, tier: 'top10' as const, rank: 3 };
    expect(changedEnough(undefined, next)).toBe(true);
    expect(changedEnough({ tier: 'top10', score: 0.505 }, next)).toBe(false);
    expect(changedEnough({ tier: 'top10', score: 0.52 }, next)).toBe(true);
    expect(changedEnough({ tier: 'top1', score: 0.5 }, next)).toBe(true);
  });
});
