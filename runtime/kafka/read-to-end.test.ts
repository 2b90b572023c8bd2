import { readToKnownEnd } from './read-to-end';

describe('readToKnownEnd', () => {
  const partitions = [0, 1].map((partition) => ({ topic: 'plays', partition }));

  it('is true only when every partition whose state is known is read to its end', () => {
    expect(readToKnownEnd({ fetchState: () => ({ end: 10, position: 10 }) }, partitions)).toBe(true);
    expect(
      readToKnownEnd({ fetchState: (tp) => ({ end: 10, position: tp.partition === 0 ? 10 : 4 }) }, partitions),
    ).toBe(false);
    // Not known yet (never fetched, or no position): does not hold the answer back.
    expect(readToKnownEnd({ fetchState: () => undefined }, partitions)).toBe(true);
    expect(readToKnownEnd({ fetchState: () => ({ end: 10 }) }, partitions)).toBe(true);
  });
});
