import { KafkaConsumer } from 'node-rdkafka';
import type { KafkaConfig } from '../../config/schema';
import type { TopicPartitionMap } from '../topic-partition-map';
import type { ConsumedRecord, PartitionFollower, TopicPartition } from '../transport';
import { consumeBatch } from './consume-batch';
import { toRecord } from './records';
import { baseSettings, callback } from './settings';

/** At most this many records per poll: a global table applies them between the stream thread's batches. */
const MAX_POLL_RECORDS = 5_000;

/**
 * node-rdkafka's manual assignment, read on without a group. librdkafka's position already skips
 * transaction markers, so it reaches the end offset once every record before it was handed out.
 */
export class RdkafkaPartitionFollower implements PartitionFollower {
  private consumer: KafkaConsumer | undefined;
  private assigned: TopicPartition[] = [];

  constructor(
    private readonly config: KafkaConfig,
    private readonly groupId: string,
  ) {}

  async assign(partitions: TopicPartition[], from?: TopicPartitionMap<number>): Promise<void> {
    const consumer = new KafkaConsumer(
      {
        ...baseSettings(this.config),
        // librdkafka needs a group id even for manual assignment; nothing is ever committed to it.
        'group.id': this.groupId,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'isolation.level': 'read_committed',
        'fetch.wait.max.ms': 50,
      },
      { 'auto.offset.reset': 'earliest' },
    );
    await new Promise<void>((resolve, reject) =>
      consumer.connect(
        { timeout: 30_000 },
        callback(() => resolve(), reject, 'follower connect'),
      ),
    );
    this.consumer = consumer;
    this.assigned = partitions;
    // -2 is librdkafka's "beginning" (RD_KAFKA_OFFSET_BEGINNING).
    consumer.assign(partitions.map((partition) => ({ ...partition, offset: from?.get(partition) ?? -2 })));
  }

  async poll(maxWaitMs: number): Promise<ConsumedRecord[]> {
    const consumer = this.consumer;
    if (!consumer) throw new Error('PartitionFollower.poll() before assign()');
    return (await consumeBatch(consumer, MAX_POLL_RECORDS, maxWaitMs)).map(toRecord);
  }

  position(partition: TopicPartition): number | undefined {
    if (
      !this.consumer ||
      !this.assigned.some((p) => p.topic === partition.topic && p.partition === partition.partition)
    )
      return undefined;
    const [position] = this.consumer.position([partition]);
    const offset = position?.offset;
    return offset === undefined || offset < 0 ? undefined : offset;
  }

  async disconnect(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
