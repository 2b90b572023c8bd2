import { isNewerHint } from './hotness-hints';

const hint = (asOfMs: number, computedAtMs: number) => ({
  tier: 'top1' as const,
  score: 1,
  ttlHintMs: 600_000,
  asOfMs,
  computedAtMs,
});

describe('isNewerHint', () => {
  it('orders hints by the event time ranked at, so a replay ranked later by the clock never wins', () => {
    expect(isNewerHint(hint(2_000, 10), hint(1_000, 99))).toBe(true); // the replay: older events, later clock
    expect(isNewerHint(hint(1_000, 99), hint(2_000, 10))).toBe(false);
  });

  it('between hints of the same event time, the later ranking wins', () => {
    expect(isNewerHint(hint(1_000, 20), hint(1_000, 10))).toBe(true);
    expect(isNewerHint(hint(1_000, 10), hint(1_000, 20))).toBe(false);
  });
});
