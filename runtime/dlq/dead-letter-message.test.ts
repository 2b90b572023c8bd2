import { createHash } from 'node:crypto';
import { DLQ_HEADERS, deadLetterMessage, fitDeadLetter } from './dead-letter-message';

const source = (bytes: number) => ({
  topic: 'plays',
  partition: 2,
  offset: '41',
  key: Buffer.from('session-1'),
  value: Buffer.alloc(bytes, 7),
});

describe('fitDeadLetter', () => {
  it('keeps an original that fits the DLQ as it is', () => {
    const message = deadLetterMessage(source(100), new Error('boom'), { reason: 'processing-error' });
    expect(fitDeadLetter(message, 1024 * 1024)).toBe(message);
  });

  it('stores an original larger than the DLQ accepts by reference: size, hash, coordinates', () => {
    const original = source(2 * 1024 * 1024);
    const fitted = fitDeadLetter(
      deadLetterMessage(original, new Error('too big'), { reason: 'sink-refused' }),
      1024 * 1024,
    );
    expect(fitted.value!.length).toBeLessThan(1024);
    const reference = JSON.parse(fitted.value!.toString()) as Record<string, unknown>;
    expect(reference).toMatchObject({ valueBytes: 2 * 1024 * 1024, topic: 'plays', partition: '2', offset: '41' });
    const sha = createHash('sha256')
      .update(Buffer.concat([original.key, original.value]))
      .digest('hex');
    expect(fitted.headers[DLQ_HEADERS.originalSha256]).toBe(sha);
    expect(fitted.headers[DLQ_HEADERS.reason]).toBe('sink-refused');
    expect(fitted.key?.toString()).toBe('session-1');
  });
});
