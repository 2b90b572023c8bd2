import { ConfigError } from '../../../core/errors';
import { assertKafkajsAwaitsBeforeRejoin, assertKafkajsFiltersAbortedTransactions } from './patched-kafkajs';

type Filter = Parameters<typeof assertKafkajsFiltersAbortedTransactions>[0];
const installed = require('kafkajs/src/consumer/filterAbortedMessages') as NonNullable<Filter>;

const record = (offset: number, producerId: string, abortMarker = false) => ({
  offset: String(offset),
  key: abortMarker ? Buffer.from([0, 0, 0, 0]) : Buffer.from('k'),
  batchContext: { producerId, inTransaction: true },
});

describe('the patched kafkajs (patches/kafkajs+2.2.4.patch)', () => {
  it('drops every record of transactions that aborted interleaved, whatever order the broker lists them in', () => {
    // Producers 1 and 2 write one partition; both transactions abort, 2's marker first; 3 commits between.
    const messages = [
      record(10, '1'),
      record(11, '2'),
      record(12, '3'),
      record(13, '1'),
      record(14, '2'),
      record(15, '2', true),
      record(16, '1', true),
    ];
    for (const abortedTransactions of [
      [
        { producerId: '2', firstOffset: '11' },
        { producerId: '1', firstOffset: '10' },
      ],
      [
        { producerId: '1', firstOffset: '10' },
        { producerId: '2', firstOffset: '11' },
      ],
    ]) {
      const kept = installed({ messages, abortedTransactions }).map(({ offset }) => offset);
      expect(kept).toEqual(['12', '15', '16']); // the markers are dropped later, as control records
    }
  });

  it('a fetch that starts inside several aborted transactions drops them all', () => {
    const kept = installed({
      messages: [record(20, '1'), record(21, '2'), record(22, '1', true), record(23, '2', true)],
      abortedTransactions: [
        { producerId: '2', firstOffset: '5' },
        { producerId: '1', firstOffset: '3' },
      ],
    }).map(({ offset }) => offset);
    expect(kept).toEqual(['22', '23']);
  });

  it('the installed kafkajs passes the start-up check; an unpatched filter is refused with the fix named', () => {
    expect(() => assertKafkajsFiltersAbortedTransactions()).not.toThrow();
    const unpatched: NonNullable<Filter> = ({ messages }) => messages as { offset: string }[];
    expect(() => assertKafkajsFiltersAbortedTransactions(unpatched)).toThrow(ConfigError);
    expect(() => assertKafkajsFiltersAbortedTransactions(unpatched)).toThrow(/patches\/kafkajs\+2\.2\.4\.patch/);
  });

  it('the installed kafkajs awaits beforeRejoin before every rejoin; an unpatched runner is refused', () => {
    expect(() => assertKafkajsAwaitsBeforeRejoin()).not.toThrow();
    const unpatched = { toString: () => 'scheduleFetchManager() { await this.consumerGroup.joinAndSync() }' };
    expect(() => assertKafkajsAwaitsBeforeRejoin(unpatched)).toThrow(ConfigError);
    expect(() => assertKafkajsAwaitsBeforeRejoin(unpatched)).toThrow(/without letting the open transaction settle/);
  });
});
