import { DecodeError } from '../../schemas/serde/decode-error';
import { JsonSerde } from '../../schemas/serde/json-serde';
import { decodeFailures } from '../metrics';
import { DLQ_HEADERS } from './dead-letter-message';
import { decodeBatch } from './decode-batch';

const message = (offset: number, value: string | null) => ({
  topic: 'plays',
  partition: 2,
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  value: value === null ? null : Buffer.from(value),
  headers: { traceparent: 'abc' },
});

describe('decodeBatch', () => {
  it('decodes the good records and dead-letters the bad ones with headers, counting each reason', async () => {
    const before = (await decodeFailures.get()).values.find((v) => v.labels.reason === 'invalid-json')?.value ?? 0;
    const batch = await decodeBatch(
      [message(0, '{"a":1}'), message(1, 'not json'), message(2, null), message(3, '{"a":2}')],
      new JsonSerde(),
    );
    expect(batch.good.map((record) => [record.source.offset, record.value])).toEqual([
      ['0', { a: 1 }],
      ['3', { a: 2 }],
    ]);
    expect(batch.deadLetters).toHaveLength(2);
    const [first] = batch.deadLetters;
    expect(first?.key).toEqual(Buffer.from('k1'));
    expect(first?.value).toEqual(Buffer.from('not json')); // the original bytes, for replay
    expect(first?.headers).toMatchObject({
      traceparent: 'abc',
      [DLQ_HEADERS.errorClass]: 'DecodeError',
      [DLQ_HEADERS.reason]: 'invalid-json',
      [DLQ_HEADERS.sourceTopic]: 'plays',
      [DLQ_HEADERS.sourcePartition]: '2',
      [DLQ_HEADERS.sourceOffset]: '1',
    });
    expect(batch.deadLetters[1]?.headers[DLQ_HEADERS.reason]).toBe('null-value');
    const after = (await decodeFailures.get()).values.find((v) => v.labels.reason === 'invalid-json')?.value ?? 0;
    expect(after - before).toBe(1);
  });

  it('lets anything but a DecodeError through: a registry outage must not dead-letter good records', async () => {
    const outage = Object.assign(new Error('registry down'), { retriable: true });
    await expect(
      decodeBatch([message(0, 'x')], {
        prepare: async () => {
          throw outage;
        },
        decode: () => {
          throw new DecodeError('invalid-avro', 'never reached');
        },
      }),
    ).rejects.toBe(outage);
  });
});
