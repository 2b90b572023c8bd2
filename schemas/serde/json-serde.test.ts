import { DecodeError } from './decode-error';
import { JsonSerde } from './json-serde';

describe('JSON serde (development)', () => {
  it('round-trips and reports bad JSON and null as DecodeErrors', () => {
    const serde = new JsonSerde<{ a: number }>();
    expect(serde.decode(serde.encode({ a: 1 }))).toEqual({ a: 1 });
    expect(() => serde.decode(Buffer.from('{'))).toThrow(DecodeError);
    expect(() => serde.decode(null)).toThrow(/null/);
  });
});
