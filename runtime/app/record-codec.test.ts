import { decodeInternal, decodeJson, encodeInternal, encodeJson } from './record-codec';

describe('record codec', () => {
  it('round-trips what internal topics carry, objects of more than 65,535 keys included', () => {
    const large = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`session-${i}`, [i, i + 1, 0]]));
    for (const value of [
      { key: 'content-1', start: 60_000 },
      [
        ['s', 'x'],
        [1, 2, 0],
      ],
      'text',
      42,
      large,
    ])
      expect(decodeInternal(encodeInternal(value))).toEqual(value);
  });

  it('gives the same bytes for the same key (compaction compares key bytes) and null for no value', () => {
    const key = () => encodeInternal([{ key: 'c', start: 0 }, 3]);
    expect(key()?.equals(key() as Buffer)).toBe(true);
    expect(encodeInternal(null)).toBeNull();
    expect(encodeInternal(undefined)).toBeNull();
    expect(decodeInternal(null)).toBeNull();
  });

  it('writes output topics as JSON, which other programs read', () => {
    expect(encodeJson({ a: 1 })?.toString()).toBe('{"a":1}');
    expect(decodeJson(Buffer.from('[1]'))).toEqual([1]);
  });
});
