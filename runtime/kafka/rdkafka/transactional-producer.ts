import { CODES, Producer, type KafkaConsumer, type LibrdKafkaError } from 'node-rdkafka';
import type { KafkaConfig } from '../../config/schema';
import { ServiceUnavailableError } from '../../../core/errors';
import { createLogger } from '../../../core/logging';
import { permanentCause } from './errors';
import type { RdkafkaGroupMetadata } from './group-consumer';
import { baseSettings, callback } from './settings';
import type { ConsumerGroupMetadata, ProducedRecord, TopicPartitionOffset, TransactionalProducer } from '../transport';

const log = createLogger('rdkafka');

export class RdkafkaTransactionalProducer implements TransactionalProducer {
  private producer: Producer;
  /** Set by a delivery report no retry can fix (a record too large): the failing commit names it. */
  private undeliverable: string | undefined;

  constructor(
    private readonly config: KafkaConfig,
    private readonly transactionalId: string,
  ) {
    this.producer = this.create();
  }

  private create(): Producer {
    return new Producer(
      {
        ...baseSettings(this.config),
        'transactional.id': this.transactionalId,
        'enable.idempotence': true,
        'linger.ms': 5,
        // Changelog records (whole window aggregates) may exceed the 1 MB default; the topics allow 16 MiB.
        'message.max.bytes': 17 * 1024 * 1024,
        'queue.buffering.max.messages': 1_000_000,
        dr_cb: true,
      },
      // Same partitioner as Java clients and kafkajs, so keys land where other clients expect them.
      { partitioner: 'murmur2_random' },
    );
  }

  async connect(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.producer.connect(
        { timeout: 30_000 },
        callback(() => resolve(), reject, 'producer connect'),
      ),
    );
    this.producer.setPollInterval(50);
    // Delivery failures make commitTransaction fail; log the first of each kind so the cause is visible.
    const seen = new Set<string>();
    this.producer.on('delivery-report', (error, report) => {
      // Records purged by an abort are meant to disappear: not a delivery failure.
      if (
        !error ||
        error.code === CODES.ERRORS.ERR__PURGE_QUEUE ||
        error.code === CODES.ERRORS.ERR__PURGE_INFLIGHT ||
        seen.has(`${report.topic}:${error.code}`)
      )
        return;
      seen.add(`${report.topic}:${error.code}`);
      log.error({ topic: report.topic, partition: report.partition, error: error.message }, 'delivery failed');
      // The transaction's commit will fail; when no retry can deliver the record, say so then.
      const permanent = permanentCause(error);
      if (permanent)
        this.undeliverable = `a record for ${report.topic}[${report.partition}]: ${permanent} (${error.message})`;
    });
    // Fences an earlier incarnation with the same id and aborts its open transaction (after a crash).
    await new Promise<void>((resolve, reject) =>
      this.producer.initTransactions(
        30_000,
        callback(() => resolve(), reject, 'initTransactions'),
      ),
    );
  }

  begin(): Promise<void> {
    this.undeliverable = undefined;
    return new Promise((resolve, reject) =>
      this.producer.beginTransaction(callback(() => resolve(), reject, 'beginTransaction')),
    );
  }

  send(record: ProducedRecord): void {
    const headers = record.headers
      ? Object.entries(record.headers).map(([name, value]) => ({ [name]: value }))
      : undefined;
    for (;;) {
      try {
        this.producer.produce(
          record.topic,
          record.partition ?? null,
          record.value,
          record.key,
          record.timestamp ?? Date.now(),
          undefined,
          headers,
        );
        return;
      } catch (error) {
        // A full local queue: poll delivery reports and try again (the queue drains as the broker acks).
        if ((error as LibrdKafkaError).code !== CODES.ERRORS.ERR__QUEUE_FULL) throw error;
        this.producer.poll();
      }
    }
  }

  async commit(offsets: TopicPartitionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    const client = (group as Partial<RdkafkaGroupMetadata>).client;
    if (offsets.length > 0 && !client)
      throw new ServiceUnavailableError('kafka', 'offsets of a consumer that is not an rdkafka consumer', {
        retriable: false,
      });
    if (offsets.length > 0) {
      await new Promise<void>((resolve, reject) =>
        this.producer.sendOffsetsToTransaction(
          offsets,
          client as KafkaConsumer,
          30_000,
          callback(() => resolve(), reject, 'sendOffsetsToTransaction'),
        ),
      );
    }
    try {
      await new Promise<void>((resolve, reject) =>
        this.producer.commitTransaction(
          60_000,
          callback(() => resolve(), reject, 'commitTransaction'),
        ),
      );
    } catch (error) {
      if (this.undeliverable)
        throw new ServiceUnavailableError('kafka', `commitTransaction: ${this.undeliverable}`, {
          cause: error,
          retriable: false,
        });
      throw error;
    }
  }

  async abort(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) =>
        this.producer.abortTransaction(
          30_000,
          callback(() => resolve(), reject, 'abortTransaction'),
        ),
      );
    } catch (error) {
      // An abort racing the transaction's first AddPartitionsToTxn can be refused with
      // INVALID_TXN_STATE, which leaves the producer unusable (librdkafka issue #4849). A fresh
      // producer with the same transactional.id aborts the open transaction at the coordinator
      // (initTransactions) and continues cleanly.
      log.warn({ err: error, transactionalId: this.transactionalId }, 'abort refused; re-initialising the producer');
      await this.disconnect();
      this.producer = this.create();
      await this.connect();
    }
  }

  disconnect(): Promise<void> {
    return new Promise((resolve) => this.producer.disconnect(() => resolve()));
  }
}
