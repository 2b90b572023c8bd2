import { toMillis } from './duration';
import { hopping, isWindowClosed, session, tumbling, windowStartsFor } from './windows';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1m', 60_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    [250, 250],
  ] as const)('%s is %d ms', (text, ms) => expect(toMillis(text)).toBe(ms));

  it('rejects what is not a duration, naming it', () => {
    expect(() => toMillis('1 minute' as never, 'grace')).toThrow(/grace "1 minute" is not a duration/);
    expect(() => toMillis(-1)).toThrow(RangeError);
  });
});

describe('time windows', () => {
  it('puts a record in exactly one tumbling window', () => {
    const windows = tumbling('1m');
    expect(windowStartsFor(windows, 0)).toEqual([0]);
    expect(windowStartsFor(windows, 59_999)).toEqual([0]);
    expect(windowStartsFor(windows, 60_000)).toEqual([60_000]);
  });

  it('puts a record in size/advance hopping windows', () => {
    const windows = hopping('5m').advanceBy('1m');
    expect(windowStartsFor(windows, 7 * 60_000 + 10)).toEqual([3, 4, 5, 6, 7].map((m) => m * 60_000));
  });

  it('handles negative timestamps (before the epoch) like any other', () => {
    expect(windowStartsFor(tumbling('1m'), -1)).toEqual([-60_000]);
  });

  it('closes a window at end + grace', () => {
    expect(isWindowClosed(60_000, 30_000, 89_999)).toBe(false);
    expect(isWindowClosed(60_000, 30_000, 90_000)).toBe(true);
  });

  it('validates sizes', () => {
    expect(() => tumbling(0)).toThrow(/positive/);
    expect(() => hopping('1m').advanceBy('2m')).toThrow(/at most the window size/);
    expect(() => session(0)).toThrow(/positive/);
    expect(tumbling('1m').grace('30s')).toMatchObject({ sizeMs: 60_000, advanceMs: 60_000, graceMs: 30_000 });
    expect(session('30m').grace('1m')).toMatchObject({ gapMs: 1_800_000, graceMs: 60_000 });
  });
});
