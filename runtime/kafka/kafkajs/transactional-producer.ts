import type { Kafka, Producer, Transaction } from 'kafkajs';
import { ServiceUnavailableError } from '../../../core/errors';
import { createLogger } from '../../../core/logging';
import { retry } from '../../../core/retry';
import { step } from './errors';
import { groupByTopic } from './records';
import type { ConsumerGroupMetadata, ProducedRecord, TopicPartitionOffset, TransactionalProducer } from '../transport';

const log = createLogger('kafkajs-transport');

/**
 * kafkajs transactions: records are buffered and sent in ordered chunks while the transaction is
 * open (kafkajs's idempotent producer allows one request in flight), then the consumed offsets are
 * added and the transaction committed. Partitioning is kafkajs's default: murmur2, as Java clients.
 */
export class KafkajsTransactionalProducer implements TransactionalProducer {
  private producer: Producer;
  private transaction: Transaction | undefined;
  private pending: ProducedRecord[] = [];
  private pendingBytes = 0;
  private sending: Promise<void> = Promise.resolve();
  /**
   * An abort that failed (the broker was down) leaves kafkajs's transaction state machine inside the
   * transaction, refusing every later one: the next begin replaces the client. Its initTransactions
   * with the same transactional id makes the coordinator abort the open transaction.
   */
  private needsReplacement = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly transactionalId: string,
  ) {
    this.producer = this.create();
  }

  private create(): Producer {
    return this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionTimeout: 60_000,
    });
  }

  connect(): Promise<void> {
    return step('producer connect', () => this.producer.connect());
  }

  async begin(): Promise<void> {
    if (this.needsReplacement) {
      await this.producer.disconnect().catch(() => undefined);
      this.producer = this.create();
      await this.connect();
      this.needsReplacement = false;
      log.info({ transactionalId: this.transactionalId }, 'producer replaced after a failed abort');
    }
    // The first transaction() call runs initTransactions, which fences an earlier incarnation with this id.
    this.transaction = await step('begin transaction', () => this.producer.transaction());
    this.pending = [];
    this.pendingBytes = 0;
    this.sending = Promise.resolve();
  }

  send(record: ProducedRecord): void {
    this.pending.push(record);
    this.pendingBytes += 64 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
    // kafkajs puts a partition's records of one request into one record batch, which the broker
    // limits to message.max.bytes (1 MiB by default): keep each request well below that.
    if (this.pending.length >= 10_000 || this.pendingBytes >= 512 * 1024) this.sendPending();
  }

  private sendPending(): void {
    const transaction = this.transaction;
    const records = this.pending;
    if (!transaction || records.length === 0) return;
    this.pending = [];
    this.pendingBytes = 0;
    const byTopic = new Map<string, ProducedRecord[]>();
    for (const record of records) {
      let list = byTopic.get(record.topic);
      if (!list) byTopic.set(record.topic, (list = []));
      list.push(record);
    }
    const topicMessages = [...byTopic].map(([topic, list]) => ({
      topic,
      messages: list.map((record) => ({
        key: record.key,
        value: record.value,
        partition: record.partition,
        timestamp: record.timestamp === undefined ? undefined : String(record.timestamp),
        headers: record.headers,
      })),
    }));
    const previous = this.sending;
    this.sending = previous.then(async () => {
      await transaction.sendBatch({ topicMessages });
    });
    // The failure surfaces at commit; keep an unhandled rejection from crashing the process meanwhile.
    this.sending.catch(() => undefined);
  }

  async commit(offsets: TopicPartitionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    const transaction = this.transaction;
    if (!transaction)
      throw new ServiceUnavailableError('kafka', 'commit without an open transaction', { retriable: false });
    this.sendPending();
    await step('send records', () => this.sending);
    if (offsets.length > 0) {
      // Right after a commit the coordinator may still be writing the last transaction's markers and
      // answers CONCURRENT_TRANSACTIONS; kafkajs does not retry it here, the Java producer does. A
      // short retry keeps a tight commit loop (backpressure commits on every turn) from aborting.
      await retry(
        () =>
          step('send offsets to transaction', () =>
            transaction.sendOffsets({
              consumerGroupId: group.groupId,
              topics: groupByTopic(offsets).map(({ topic, partitions }) => ({
                topic,
                partitions: partitions.map((partition) => ({
                  partition,
                  offset: String(
                    offsets.find((entry) => entry.topic === topic && entry.partition === partition)?.offset,
                  ),
                })),
              })),
            }),
          ),
        { initialDelayMs: 10, maxDelayMs: 200, maxAttempts: 10, retriable: concurrentTransactions },
      );
    }
    await step('commit transaction', () => transaction.commit());
    this.transaction = undefined;
  }

  async abort(): Promise<void> {
    const transaction = this.transaction;
    this.transaction = undefined;
    this.pending = [];
    this.pendingBytes = 0;
    if (!transaction) return;
    await this.sending.catch(() => undefined);
    try {
      await step('abort transaction', () => transaction.abort());
    } catch (error) {
      this.needsReplacement = true;
      throw error;
    }
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** The coordinator is still completing the previous transaction: the same request succeeds shortly. */
function concurrentTransactions(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause)
    if ((cause as { type?: string }).type === 'CONCURRENT_TRANSACTIONS') return true;
  return false;
}
