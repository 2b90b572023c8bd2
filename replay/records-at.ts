import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { ServiceUnavailableError } from '../core/errors';
import { TopicPartitionMap } from '../runtime/kafka/topic-partition-map';
import { toRecord } from '../runtime/kafka/kafkajs/records';
import type { ConsumedRecord, TopicPartitionOffset } from '../runtime/kafka/transport';

const LOOKUP_TIMEOUT_MS = 60_000;

/**
 * The first record at or after each offset (read_committed): what a replay point given as an offset
 * stands for. A point at or past its partition's end has no record: undefined.
 * One throwaway consumer group (deleted afterwards) seeks every partition to its offset and reads
 * one batch of each, so a lookup costs a fetch per partition, not a read of the topic.
 */
export async function recordsAt(
  kafka: Kafka,
  admin: Admin,
  points: readonly TopicPartitionOffset[],
): Promise<TopicPartitionMap<ConsumedRecord | undefined>> {
  const found = new TopicPartitionMap<ConsumedRecord | undefined>();
  const wanted = new TopicPartitionMap<number>();
  for (const topic of new Set(points.map((point) => point.topic))) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const point of points.filter((candidate) => candidate.topic === topic)) {
      const end = ends.find((candidate) => candidate.partition === point.partition);
      if (!end) throw new RangeError(`${topic} has no partition ${point.partition}`);
      const offset = Math.max(point.offset, Number(end.low));
      if (offset >= Number(end.high)) found.set(point, undefined);
      else wanted.set(point, offset);
    }
  }
  if (wanted.size === 0) return found;
  const groupId = `reelstream-offset-lookup-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 65_536,
  });
  try {
    await consumer.connect();
    await consumer.subscribe({
      topics: [...new Set([...wanted.keys()].map(({ topic }) => topic))],
      fromBeginning: true,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new ServiceUnavailableError(
              'kafka',
              `no record read at the offsets asked for within ${LOOKUP_TIMEOUT_MS} ms`,
            ),
          ),
        LOOKUP_TIMEOUT_MS,
      );
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        // Only the partitions asked for are read, each from its offset.
        for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
          const idle = partitions.filter((partition) => !wanted.has({ topic, partition }));
          if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
        }
        for (const [{ topic, partition }, offset] of wanted)
          consumer.seek({ topic, partition, offset: String(offset) });
      });
      void consumer
        .run({
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch }) => {
            const from = wanted.get(batch);
            if (from === undefined) return;
            const message = batch.messages.find((candidate) => Number(candidate.offset) >= from);
            if (!message) return;
            found.set(batch, toRecord(batch.topic, batch.partition, message));
            wanted.delete(batch);
            consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
            if (wanted.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return found;
}
