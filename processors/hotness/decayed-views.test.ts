import fc from 'fast-check';
import { addView } from './decayed-views';

const HALF_LIFE = 600_000;

describe('decayed views', () => {
  it('are the same in any order of the views: a replay or a reordering changes nothing (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3_600_000 }), { minLength: 1, maxLength: 50 }), (times) => {
        const fold = (order: number[]) =>
          order.reduce<ReturnType<typeof addView> | undefined>((held, t) => addView(held, t, HALF_LIFE), undefined);
        const latest = Math.max(...times);
        const reference = times.reduce((sum, t) => sum + 2 ** (-(latest - t) / HALF_LIFE), 0);
        for (const order of [times, [...times].reverse(), [...times].sort((a, b) => a - b)]) {
          const views = fold(order);
          expect(views?.atMs).toBe(latest);
          expect(views?.views).toBeCloseTo(reference, 9);
        }
      }),
    );
  });
});
