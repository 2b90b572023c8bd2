import { CODES, KafkaConsumer, Producer, type LibrdKafkaError, type Message } from 'node-rdkafka';
import type { KafkaConfig } from '../config/schema';
import { createLogger } from '../../core/logging';
import { classifyRdkafkaError, permanentCause } from './rdkafka-errors';
import { ServiceUnavailableError } from '../../core/errors';
import type {
  ConsumedRecord,
  GroupConsumer,
  KafkaTransport,
  PartitionReader,
  ProducedRecord,
  RebalanceListener,
  TopicPartition,
  TopicPartitionOffset,
  TransactionalProducer,
} from './transport';

// Why this file is long: the node-rdkafka group consumer, transactional producer and partition reader
// live here together; one file per client is the next planned change.

const log = createLogger('rdkafka');

/** librdkafka settings shared by every client: brokers, TLS and SASL passed through. */
function baseSettings(config: KafkaConfig): Record<string, string | number | boolean> {
  const settings: Record<string, string | number | boolean> = {
    'metadata.broker.list': config.brokers.join(','),
    'client.id': config.clientId,
  };
  if (config.ssl || config.sasl)
    settings['security.protocol'] = config.ssl ? (config.sasl ? 'sasl_ssl' : 'ssl') : 'sasl_plaintext';
  if (config.sasl) {
    settings['sasl.mechanisms'] = config.sasl.mechanism.toUpperCase();
    settings['sasl.username'] = config.sasl.username;
    settings['sasl.password'] = config.sasl.password;
  }
  return settings;
}

const callback =
  <T>(resolve: (value: T) => void, reject: (error: Error) => void, what: string) =>
  (error: LibrdKafkaError | null | undefined, value?: T) => {
    if (error) reject(classifyRdkafkaError(what, error));
    else resolve(value as T);
  };

function toRecord(message: Message): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const header of message.headers ?? [])
    for (const [name, value] of Object.entries(header)) headers[name] = String(value);
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key:
      message.key === undefined || message.key === null
        ? null
        : Buffer.isBuffer(message.key)
          ? message.key
          : Buffer.from(message.key),
    value: message.value ?? null,
    timestamp: message.timestamp ?? Date.now(),
    headers,
  };
}

/** node-rdkafka's own default: how long a consume call waits for messages when none are queued. */
const DEFAULT_CONSUME_WAIT_MS = 1_000;

class RdkafkaGroupConsumer implements GroupConsumer {
  readonly consumer: KafkaConsumer;
  private listener: RebalanceListener | undefined;
  private readonly paused = new Set<string>();
  /** Paused partitions whose position was moved back to a held-back message, and to which offset. */
  private readonly rewound = new Map<string, number>();

  constructor(config: KafkaConfig, groupId: string) {
    this.consumer = new KafkaConsumer(
      {
        ...baseSettings(config),
        'group.id': groupId,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'isolation.level': 'read_committed',
        'partition.assignment.strategy': 'range',
        'session.timeout.ms': 10_000,
        'max.poll.interval.ms': config.maxPollIntervalMs,
        rebalance_cb: (error: LibrdKafkaError, assignment: TopicPartition[]) => {
          // Eager rebalancing: everything is revoked, then the new assignment arrives.
          const partitions = assignment.map(({ topic, partition }) => ({ topic, partition }));
          try {
            if (error.code === CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
              this.consumer.assign(assignment);
              this.listener?.onAssigned(partitions);
            } else {
              this.listener?.onRevoked(partitions);
              this.consumer.unassign();
            }
          } catch (failure) {
            // A rebalance that races with disconnect finds the consumer closing ("Erroneous state"):
            // nothing is owned any more, and throwing here would escape librdkafka's callback.
            log.warn({ err: failure, event: error.code }, 'rebalance callback on a closing consumer ignored');
          }
        },
      },
      { 'auto.offset.reset': 'earliest' },
    );
  }

  connect(listener: RebalanceListener): Promise<void> {
    this.listener = listener;
    return new Promise((resolve, reject) =>
      this.consumer.connect(
        { timeout: 30_000 },
        callback(() => resolve(), reject, 'consumer connect'),
      ),
    );
  }

  subscribe(topics: string[]): void {
    this.consumer.subscribe(topics);
  }

  async consumeBatch(maxRecords: number, maxWaitMs = DEFAULT_CONSUME_WAIT_MS): Promise<ConsumedRecord[]> {
    this.consumer.setDefaultConsumeTimeout(maxWaitMs);
    const messages = await this.consume(maxRecords);
    if (this.paused.size === 0) return messages.map(toRecord);
    return this.withoutPaused(messages);
  }

  private consume(maxRecords: number): Promise<Message[]> {
    return new Promise<Message[]>((resolve, reject) =>
      this.consumer.consume(maxRecords, (error, batch) => {
        if (error) reject(classifyRdkafkaError('consume', error));
        else resolve(batch);
      }),
    );
  }

  knownEndOffset({ topic, partition }: TopicPartition): number | undefined {
    try {
      // librdkafka's cache, updated by every fetch response: no request.
      const { highOffset } = this.consumer.getWatermarkOffsets(topic, partition);
      return highOffset >= 0 ? highOffset : undefined;
    } catch {
      return undefined;
    }
  }

  /** A consume call resets librdkafka's max.poll.interval.ms clock; what it returns is put back. */
  async keepAlive(): Promise<void> {
    this.consumer.setDefaultConsumeTimeout(DEFAULT_CONSUME_WAIT_MS);
    const unpaused = this.withoutPaused(await this.consume(100));
    const first = new Map<string, ConsumedRecord>();
    for (const record of unpaused) {
      const key = `${record.topic}\u0000${record.partition}`;
      if ((first.get(key)?.offset ?? Number.POSITIVE_INFINITY) > record.offset) first.set(key, record);
    }
    for (const { topic, partition, offset } of first.values())
      this.consumer.seek({ topic, partition, offset }, 0, (error) => {
        if (error) log.warn({ err: error, topic, partition }, 'putting back a record fetched while restoring failed');
      });
  }

  /**
   * librdkafka stops fetching a paused partition but still hands out what its queue already holds.
   * The contract says a paused partition yields nothing: such messages are held back and the
   * partition's position moved back to the first of them, so it resumes there.
   */
  private withoutPaused(messages: Message[]): ConsumedRecord[] {
    const kept: ConsumedRecord[] = [];
    for (const message of messages) {
      const key = `${message.topic}\u0000${message.partition}`;
      if (!this.paused.has(key)) {
        kept.push(toRecord(message));
        continue;
      }
      const rewoundTo = this.rewound.get(key);
      if (rewoundTo !== undefined && rewoundTo <= message.offset) continue;
      this.rewound.set(key, message.offset);
      this.consumer.seek({ topic: message.topic, partition: message.partition, offset: message.offset }, 0, (error) => {
        if (error)
          log.warn(
            { err: error, topic: message.topic, partition: message.partition },
            'rewind of a paused partition failed',
          );
      });
    }
    return kept;
  }

  pause(partitions: TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.paused.add(`${topic}\u0000${partition}`);
    this.consumer.pause(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      this.paused.delete(`${topic}\u0000${partition}`);
      this.rewound.delete(`${topic}\u0000${partition}`);
    }
    this.consumer.resume(partitions);
  }

  async seekToCommitted(partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const committed = await new Promise<TopicPartitionOffset[]>((resolve, reject) =>
      this.consumer.committed(partitions, 10_000, callback(resolve, reject, 'committed')),
    );
    for (const { topic, partition, offset } of committed) {
      // OFFSET_BEGINNING (-2) where the group has committed nothing yet.
      const target = offset >= 0 ? offset : -2;
      for (let attempt = 0; ; attempt += 1) {
        try {
          await new Promise<void>((resolve, reject) =>
            this.consumer.seek(
              { topic, partition, offset: target },
              10_000,
              callback(() => resolve(), reject, `seek ${topic}[${partition}]`),
            ),
          );
          break;
        } catch (error) {
          if (attempt >= 20) throw error; // the fetcher may not have started right after assignment
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
  }

  disconnect(): Promise<void> {
    return new Promise((resolve) => this.consumer.disconnect(() => resolve()));
  }
}

class RdkafkaTransactionalProducer implements TransactionalProducer {
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

  async commit(offsets: TopicPartitionOffset[], consumer: GroupConsumer): Promise<void> {
    if (offsets.length > 0) {
      await new Promise<void>((resolve, reject) =>
        this.producer.sendOffsetsToTransaction(
          offsets,
          (consumer as RdkafkaGroupConsumer).consumer,
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

class RdkafkaPartitionReader implements PartitionReader {
  constructor(private readonly config: KafkaConfig) {}

  async readToEnd(partitions: TopicPartition[], onRecord: (record: ConsumedRecord) => void): Promise<number> {
    if (partitions.length === 0) return 0;
    const consumer = new KafkaConsumer(
      {
        ...baseSettings(this.config),
        'group.id': 'reelstream-restore',
        'enable.auto.commit': false,
        'isolation.level': 'read_committed',
      },
      {},
    );
    await new Promise<void>((resolve, reject) =>
      consumer.connect(
        { timeout: 30_000 },
        callback(() => resolve(), reject, 'restore connect'),
      ),
    );
    try {
      const ends = new Map<string, number>();
      const starts: TopicPartitionOffset[] = [];
      for (const partition of partitions) {
        const { highOffset, lowOffset } = await new Promise<{ highOffset: number; lowOffset: number }>(
          (resolve, reject) =>
            consumer.queryWatermarkOffsets(
              partition.topic,
              partition.partition,
              10_000,
              callback(resolve, reject, 'queryWatermarkOffsets'),
            ),
        );
        if (highOffset <= lowOffset) continue; // nothing to restore
        ends.set(`${partition.topic}:${partition.partition}`, highOffset);
        starts.push({ ...partition, offset: lowOffset });
      }
      if (starts.length === 0) return 0;
      consumer.assign(starts);
      let restored = 0;
      const deadline = Date.now() + 120_000;
      // Control records (transaction markers) take offsets too: stop once every position reaches its end.
      const unfinished = () =>
        consumer
          .position(starts)
          .filter(({ topic, partition, offset }) => (offset ?? -1) < (ends.get(`${topic}:${partition}`) ?? 0));
      while (unfinished().length > 0) {
        if (Date.now() > deadline)
          throw new ServiceUnavailableError(
            'kafka',
            `restore did not reach the end of ${unfinished()
              .map(({ topic, partition }) => `${topic}[${partition}]`)
              .join(', ')}`,
          );
        const messages = await new Promise<Message[]>((resolve, reject) =>
          consumer.consume(10_000, (error, batch) => (error ? reject(error) : resolve(batch))),
        );
        for (const message of messages) {
          // Written after the restore began (cannot happen while this task owns the changelog): not ours.
          if (message.offset >= (ends.get(`${message.topic}:${message.partition}`) ?? 0)) continue;
          onRecord(toRecord(message));
          restored += 1;
        }
      }
      return restored;
    } finally {
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    }
  }

  async disconnect(): Promise<void> {}
}

export function rdkafkaTransport(config: KafkaConfig): KafkaTransport {
  return {
    name: 'rdkafka',
    consumer: (groupId) => new RdkafkaGroupConsumer(config, groupId),
    transactionalProducer: (transactionalId) => new RdkafkaTransactionalProducer(config, transactionalId),
    partitionReader: () => new RdkafkaPartitionReader(config),
  };
}
