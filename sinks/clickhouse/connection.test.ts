import { ServiceUnavailableError } from '../../core/errors';
import { assertIdentifier, classifyClickhouseError, ClickhouseQueryError, quoteString } from './connection';

describe('ClickHouse connection helpers', () => {
  it('quotes string literals', () => {
    expect(quoteString("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
  });

  it('accepts plain identifiers and db.table, rejects anything else', () => {
    expect(assertIdentifier('reelstream.playback_events')).toBe('reelstream.playback_events');
    expect(() => assertIdentifier('a.b.c')).toThrow();
    expect(() => assertIdentifier('t; DROP TABLE x')).toThrow(/identifier/);
  });

  it('classifies a refused connection as retriable and a refused query as not', () => {
    const down = classifyClickhouseError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }),
    );
    expect(down).toBeInstanceOf(ServiceUnavailableError);
    expect(down.retriable).toBe(true);
    const syntax = classifyClickhouseError(new Error('Code: 62, e.displayText() = DB::Exception: Syntax error'));
    expect(syntax).toBeInstanceOf(ClickhouseQueryError);
    expect(syntax.retriable).toBe(false);
    expect(classifyClickhouseError(new Error('Code: 252, Too many parts')).retriable).toBe(true);
  });
});
