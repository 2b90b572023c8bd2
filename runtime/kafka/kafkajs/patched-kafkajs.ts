import { ConfigError } from '../../../core/errors';

/**
 * kafkajs 2.2.4 filters the records of aborted transactions out of a read_committed fetch itself,
 * and it assumes the broker lists those transactions by first offset. The broker lists them in
 * the order their abort markers were written: when several transactional producers write one
 * partition (two stream threads, or two instances, writing a repartition topic) and their
 * transactions abort, kafkajs hands out records of aborted transactions — which a stream task then
 * counts next to their committed replay. `patches/kafkajs+2.2.4.patch` (applied by patch-package at
 * `npm install`) fixes the filter; this check refuses to run on an unpatched kafkajs rather than
 * count twice.
 */
type Filter = (input: { messages: unknown[]; abortedTransactions: unknown[] }) => { offset: string }[];

const message = (offset: number, producerId: string, abortMarker = false) => ({
  offset: String(offset),
  key: abortMarker ? Buffer.from([0, 0, 0, 0]) : Buffer.from('k'),
  batchContext: { producerId, inTransaction: true },
});

/** Filters found correct (the check runs once per process). */
const correct = new WeakSet<Filter>();

/** Throws a ConfigError when the installed kafkajs would deliver records of aborted transactions. */
export function assertKafkajsFiltersAbortedTransactions(
  filter: Filter = require('kafkajs/src/consumer/filterAbortedMessages') as Filter,
): void {
  if (correct.has(filter)) return;
  // Producer 1's transaction began first (offset 90) but its abort marker came last.
  const kept = filter({
    messages: [message(90, '1'), message(100, '2'), message(101, '2', true), message(102, '1', true)],
    abortedTransactions: [
      { producerId: '2', firstOffset: '100' },
      { producerId: '1', firstOffset: '90' },
    ],
  }).map(({ offset }) => offset);
  if (kept.includes('90') || kept.includes('100'))
    throw new ConfigError(
      'the installed kafkajs delivers records of aborted transactions to read_committed consumers when ' +
        'transactions of several producers interleave (it would count them twice): its fix in ' +
        'patches/kafkajs+2.2.4.patch is not applied — run `npm install` (patch-package applies it), ' +
        'or use kafka.transport "rdkafka"',
    );
  correct.add(filter);
}
