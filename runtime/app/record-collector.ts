import type { StreamRecord } from '../../processors/api/record';
import type { DecodeError } from '../../schemas/serde/decode-error';
import { retry, type RetryOptions } from '../../core/retry';
import type {
  ConsumedRecord,
  GroupConsumer,
  ProducedRecord,
  TopicPartitionOffset,
  TransactionalProducer,
} from '../kafka/transport';
import { decodeFailures, recordsProduced } from '../metrics';
import type { DeadLetter, TaskOutputs } from '../task/task-outputs';
import { DeadLetterQueue } from './dead-letter-queue';
import { EncodeError } from '../../schemas/serde/decode-error';
import type { OutputEncoders } from './output-encoders';
import { encodeInternal, encodeJson } from './record-codec';
import type { SinkSet } from './sink-set';

/**
 * Everything the tasks emit goes through here (Kafka Streams' RecordCollector): output and
 * repartition records, changelog records and dead letters, all produced inside the open transaction
 * — none outside one. Records emitted while no transaction takes them wait for the next: while
 * idle (wall-clock punctuation), and while the previous transaction commits (it is sealed then, and
 * the tasks go on processing the next batch: see stream-thread.ts). It knows the fetched record being processed, so a dead letter of it keeps
 * its original bytes.
 */
export class RecordCollector {
  readonly deadLetters: DeadLetterQueue;
  private producer!: TransactionalProducer;
  private open = false;
  /** The open transaction takes no more records: its commit is on its way. */
  private sealed = false;
  private unsent: ProducedRecord[] = [];
  private producedPerTopic = new Map<string, number>();
  /** What the sealed transaction produced, counted when it commits. */
  private sealedPerTopic = new Map<string, number>();
  /** The fetched record the tasks are processing now. */
  private processing: ConsumedRecord | undefined;

  constructor(
    private readonly applicationId: string,
    private readonly retryLogging: (what: string) => RetryOptions,
    /** Topics only the application reads (repartition): MessagePack, where outputs are JSON. */
    private readonly internalTopics: ReadonlySet<string> = new Set(),
    /** Output topics written with a schema (Avro); every other output is JSON. */
    private readonly encoders?: OutputEncoders,
  ) {
    this.deadLetters = new DeadLetterQueue(applicationId, (record) => this.send(record));
  }

  /** The producer every record goes to; set once it is connected. */
  useProducer(producer: TransactionalProducer): void {
    this.producer = producer;
  }

  get transactionOpen(): boolean {
    return this.open;
  }

  /** Whether records wait for a transaction (emitted while idle). */
  get hasUnsent(): boolean {
    return this.unsent.length > 0;
  }

  /** Begins a transaction (waiting for the broker if it is down) and sends what waited for one. */
  async begin(): Promise<void> {
    if (this.open) return;
    await retry(() => this.producer.begin(), this.retryLogging('beginning a transaction'));
    this.open = true;
    for (const record of this.unsent) this.producer.send(record);
    this.unsent = [];
  }

  send(record: ProducedRecord): void {
    if (this.open && !this.sealed) this.producer.send(record);
    else this.unsent.push(record);
  }

  /** What is sent from now on waits for the next transaction: the open one is about to commit. */
  seal(): void {
    if (!this.open || this.sealed) return;
    this.sealed = true;
    this.sealedPerTopic = this.producedPerTopic;
    this.producedPerTopic = new Map();
  }

  /** Commits the open transaction with the consumed offsets; counts what it produced. */
  async commit(offsets: TopicPartitionOffset[], consumer: GroupConsumer): Promise<void> {
    this.seal();
    await this.producer.commit(offsets, consumer.groupMetadata());
    consumer.transactionCommitted(offsets);
    for (const [topic, count] of this.sealedPerTopic)
      recordsProduced.inc({ application: this.applicationId, topic }, count);
    this.sealedPerTopic.clear();
    this.closeTransaction();
  }

  /** Drops what the open transaction holds, and what waited for one. */
  async abort(): Promise<void> {
    this.unsent = [];
    this.producedPerTopic.clear();
    this.sealedPerTopic.clear();
    if (!this.open) return;
    await this.producer.abort();
    this.closeTransaction();
  }

  /** After a failed abort: the next begin starts afresh (its producer fences what was left open). */
  forgetTransaction(): void {
    this.closeTransaction();
  }

  private closeTransaction(): void {
    this.open = false;
    this.sealed = false;
  }

  /**
   * The fetched record the tasks process now (undefined once done): a dead letter of it keeps its
   * original bytes. A field, not a callback, since it is set for every record.
   */
  processingRecord(consumed: ConsumedRecord | undefined): void {
    this.processing = consumed;
  }

  /** Where a task's results go: topics through this collector, sinks through the sink set, dead letters to the DLQ. */
  outputs(sinks: SinkSet): TaskOutputs {
    return {
      toTopic: (topic, record, node) => {
        let encoded: { key: Buffer | null; value: Buffer | null };
        if (this.internalTopics.has(topic))
          encoded = { key: encodeInternal(record.key), value: encodeInternal(record.value) };
        else
          try {
            encoded = this.encoders?.encode(topic, record.key, record.value) ?? {
              key: encodeJson(record.key),
              value: encodeJson(record.value),
            };
          } catch (error) {
            // A value its topic's schema refuses is this record's fault: the DLQ, not a stopped pipeline.
            if (!(error instanceof EncodeError)) throw error;
            this.deadLetterRecord(record, error, { reason: 'encode-error', node });
            return;
          }
        this.producedPerTopic.set(topic, (this.producedPerTopic.get(topic) ?? 0) + 1);
        this.send({ topic, ...encoded, timestamp: Math.max(0, record.timestamp) });
      },
      toSink: (sink, record) => sinks.add(sink, record),
      deadLetter: (letter: DeadLetter) =>
        this.deadLetterRecord(letter.record, letter.error ?? new Error(letter.reason), {
          reason: letter.kind === 'error' ? 'processing-error' : letter.kind,
          node: letter.node,
        }),
    };
  }

  /**
   * A record of a task to the DLQ with its source coordinates in the headers: the original bytes
   * when it is the fetched record being processed, else (a window result a sink refused) its JSON.
   */
  deadLetterRecord(record: StreamRecord, error: Error, details: { reason: string; node?: string; sink?: string }) {
    const source = record.source;
    const current = this.processing;
    const original =
      current !== undefined &&
      source !== undefined &&
      source.topic === current.topic &&
      source.partition === current.partition &&
      source.offset === String(current.offset);
    this.deadLetters.route(
      {
        topic: source?.topic ?? '',
        partition: source?.partition ?? -1,
        offset: source?.offset ?? '',
        key: original ? current.key : encodeJson(record.key),
        value: original ? current.value : encodeJson(record.value),
        headers: original ? current.headers : undefined,
      },
      error,
      details,
    );
  }

  /** A fetched record that cannot be decoded, to the DLQ with its original bytes. */
  deadLetterUndecodable(consumed: ConsumedRecord, error: DecodeError): void {
    decodeFailures.inc({ topic: consumed.topic, reason: error.reason });
    this.deadLetters.route({ ...consumed, offset: String(consumed.offset) }, error, {
      reason: error.reason,
      schemaId: error.schemaId,
    });
  }
}
