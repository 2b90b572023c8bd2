import { ConfigError } from '../../../core/errors';

/**
 * The kafkajs transport needs two fixes kafkajs 2.2.4 (no longer released) lacks; they are in
 * `patches/kafkajs+2.2.4.patch`, applied by patch-package at `npm install`. Without either, results
 * would be counted twice, so the transport refuses to start on a kafkajs that lacks them:
 *
 * - **Aborted transactions.** kafkajs drops the records of aborted transactions from a
 *   read_committed fetch itself, assuming the broker lists them by first offset; the broker lists
 *   them in the order their abort markers were written. When several transactional producers write
 *   one partition (two stream threads, or two instances, writing a repartition topic) and their
 *   transactions abort, kafkajs handed out aborted records — counted beside their committed replay.
 * - **A hook before rejoining.** kafkajs has no revoke callback: it rejoins a rebalancing group as
 *   soon as its fetch loop notices the rebalance. A commit still in flight then completed after
 *   another member took the partitions over from the offsets before it. The patch adds
 *   `consumer.run({ beforeRejoin })`, awaited before every rejoin; the group consumer lets the
 *   stream thread settle its transaction there, as Kafka Streams does in onPartitionsRevoked.
 */
type Filter = (input: { messages: unknown[]; abortedTransactions: unknown[] }) => { offset: string }[];

const message = (offset: number, producerId: string, abortMarker = false) => ({
  offset: String(offset),
  key: abortMarker ? Buffer.from([0, 0, 0, 0]) : Buffer.from('k'),
  batchContext: { producerId, inTransaction: true },
});

const HOW_TO_FIX =
  'patches/kafkajs+2.2.4.patch is not applied — run `npm install` (patch-package applies it), or use kafka.transport "rdkafka"';

/** Parts of kafkajs found patched (checked once per process). */
const correct = new WeakSet<object>();

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
        `transactions of several producers interleave (it would count them twice): ${HOW_TO_FIX}`,
    );
  correct.add(filter);
}

/** Throws a ConfigError when the installed kafkajs rejoins a rebalance without awaiting `beforeRejoin`. */
export function assertKafkajsAwaitsBeforeRejoin(
  runner: { toString(): string } = require('kafkajs/src/consumer/runner') as { toString(): string },
): void {
  if (correct.has(runner)) return;
  const source = runner.toString();
  if (!/await this\.beforeRejoin\(\)\s*await this\.consumerGroup\.joinAndSync\(\)/.test(source))
    throw new ConfigError(
      'the installed kafkajs rejoins a rebalancing group without letting the open transaction settle ' +
        `(a commit could land after the partitions moved): ${HOW_TO_FIX}`,
    );
  correct.add(runner);
}
