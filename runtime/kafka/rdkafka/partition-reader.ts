import { KafkaConsumer } from 'node-rdkafka';
import type { KafkaConfig } from '../../config/schema';
import { ServiceUnavailableError } from '../../../core/errors';
import { consumeBatch } from './consume-batch';
import { toRecord } from './records';
import { TopicPartitionMap } from '../topic-partition-map';
import { baseSettings, callback } from './settings';
import type { ConsumedRecord, PartitionReader, TopicPartition, TopicPartitionOffset } from '../transport';

export class RdkafkaPartitionReader implements PartitionReader {
  constructor(private readonly config: KafkaConfig) {}

  async readToEnd(
    partitions: TopicPartition[],
    onRecord: (record: ConsumedRecord) => void,
    from?: TopicPartitionMap<number>,
  ): Promise<number> {
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
      const ends = new TopicPartitionMap<number>();
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
        const start = Math.max(lowOffset, from?.get(partition) ?? lowOffset);
        if (highOffset <= start) continue; // nothing to restore
        ends.set(partition, highOffset);
        starts.push({ ...partition, offset: start });
      }
      if (starts.length === 0) return 0;
      consumer.assign(starts);
      let restored = 0;
      const deadline = Date.now() + 120_000;
      // Control records (transaction markers) take offsets too: stop once every position reaches its end.
      const unfinished = () =>
        consumer.position(starts).filter((position) => (position.offset ?? -1) < (ends.get(position) ?? 0));
      while (unfinished().length > 0) {
        if (Date.now() > deadline)
          throw new ServiceUnavailableError(
            'kafka',
            `restore did not reach the end of ${unfinished()
              .map(({ topic, partition }) => `${topic}[${partition}]`)
              .join(', ')}`,
          );
        const messages = await consumeBatch(consumer, 10_000, 1_000);
        for (const message of messages) {
          // Written after the restore began (cannot happen while this task owns the changelog): not ours.
          if (message.offset >= (ends.get(message) ?? 0)) continue;
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
