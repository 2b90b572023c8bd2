import { CODES, KafkaConsumer, type LibrdKafkaError, type Message } from 'node-rdkafka';
import type { KafkaConfig } from '../../config/schema';
import { createLogger } from '../../../core/logging';
import { consumeBatch } from './consume-batch';
import { toRecord } from './records';
import { TopicPartitionMap, TopicPartitionSet } from '../topic-partition-map';
import { baseSettings, callback } from './settings';
import type {
  ConsumedRecord,
  ConsumerGroupMetadata,
  GroupConsumer,
  RebalanceListener,
  TopicPartition,
  TopicPartitionOffset,
  PartitionFetchState,
} from '../transport';

const log = createLogger('rdkafka');

/** librdkafka's sendOffsetsToTransaction takes the consumer's client handle, which carries its group metadata. */
export interface RdkafkaGroupMetadata extends ConsumerGroupMetadata {
  readonly client: KafkaConsumer;
}

/** node-rdkafka's own default: how long a consume call waits for messages when none are queued. */
const DEFAULT_CONSUME_WAIT_MS = 1_000;

export class RdkafkaGroupConsumer implements GroupConsumer {
  readonly consumer: KafkaConsumer;
  private listener: RebalanceListener | undefined;
  private readonly paused = new TopicPartitionSet();
  /** Paused partitions whose position was moved back to a held-back message, and to which offset. */
  private readonly rewound = new TopicPartitionMap<number>();

  constructor(
    config: KafkaConfig,
    private readonly groupId: string,
  ) {
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
        // librdkafka prefetches up to 100,000 messages / 64 MiB per partition by default: with a
        // task per partition and repartition topics that is most of the process's memory. The
        // loop takes 5,000 records per turn; a few turns ahead per partition is enough.
        'queued.min.messages': 20_000,
        'queued.max.messages.kbytes': 16_384,
        rebalance_cb: (error: LibrdKafkaError, assignment: TopicPartition[]) => {
          // Eager rebalancing: everything is revoked, then the new assignment arrives.
          const partitions = assignment.map(({ topic, partition }) => ({ topic, partition }));
          try {
            if (error.code === CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
              this.consumer.assign(assignment);
              this.listener?.onAssigned(partitions);
            } else {
              // librdkafka waits for unassign(): the application first settles what it has in flight.
              void Promise.resolve(this.listener?.onRevoked(partitions))
                .catch((failure: unknown) => log.warn({ err: failure }, 'revoking partitions failed'))
                .then(() => this.unassign());
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

  private unassign(): void {
    try {
      this.consumer.unassign();
    } catch (failure) {
      log.warn({ err: failure }, 'unassign on a closing consumer ignored');
    }
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
    const messages = await consumeBatch(this.consumer, maxRecords, maxWaitMs);
    if (this.paused.size === 0) return messages.map(toRecord);
    return this.withoutPaused(messages);
  }

  fetchState({ topic, partition }: TopicPartition): PartitionFetchState | undefined {
    try {
      // librdkafka's caches, updated by every fetch response and consume call: no request.
      const { highOffset } = this.consumer.getWatermarkOffsets(topic, partition);
      if (highOffset < 0) return undefined;
      const position = this.consumer.position([{ topic, partition }])[0]?.offset;
      return { end: highOffset, ...(position !== undefined && position >= 0 ? { position } : {}) };
    } catch {
      return undefined;
    }
  }

  /** A consume call resets librdkafka's max.poll.interval.ms clock; what it returns is put back. */
  async keepAlive(): Promise<void> {
    const unpaused = this.withoutPaused(await consumeBatch(this.consumer, 100, DEFAULT_CONSUME_WAIT_MS));
    const first = new TopicPartitionMap<ConsumedRecord>();
    for (const record of unpaused)
      if ((first.get(record)?.offset ?? Number.POSITIVE_INFINITY) > record.offset) first.set(record, record);
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
      if (!this.paused.has(message)) {
        kept.push(toRecord(message));
        continue;
      }
      const rewoundTo = this.rewound.get(message);
      if (rewoundTo !== undefined && rewoundTo <= message.offset) continue;
      this.rewound.set(message, message.offset);
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
    for (const partition of partitions) this.paused.add(partition);
    this.consumer.pause(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    for (const partition of partitions) {
      this.paused.delete(partition);
      this.rewound.delete(partition);
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

  groupMetadata(): RdkafkaGroupMetadata {
    return { groupId: this.groupId, client: this.consumer };
  }

  /** librdkafka hands out every fetched batch at once: nothing waits for a commit. */
  transactionSealed(): void {}

  transactionCommitted(): void {}

  disconnect(): Promise<void> {
    return new Promise((resolve) => this.consumer.disconnect(() => resolve()));
  }
}
