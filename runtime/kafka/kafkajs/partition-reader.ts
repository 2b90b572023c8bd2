import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { ServiceUnavailableError } from '../../../core/errors';
import { step } from './errors';
import { toRecord } from './records';
import { TopicPartitionMap, TopicPartitionSet } from '../topic-partition-map';
import type { ConsumedRecord, PartitionReader, TopicPartition } from '../transport';

/**
 * kafkajs has no manual assignment: a reader joins a throwaway group that only it belongs to, so it
 * is given every partition of the topics; it pauses the ones it was not asked for, reads until each
 * wanted partition's position reaches the end (transaction markers included), and deletes the group.
 */
export class KafkajsPartitionReader implements PartitionReader {
  constructor(private readonly kafka: Kafka) {}

  async readToEnd(
    partitions: TopicPartition[],
    onRecord: (record: ConsumedRecord) => void,
    from?: TopicPartitionMap<number>,
  ): Promise<number> {
    if (partitions.length === 0) return 0;
    const admin = this.kafka.admin();
    await step('admin connect', () => admin.connect());
    const groupId = `reelstream-restore-${randomUUID()}`;
    const consumer = this.kafka.consumer({
      groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 4 * 1024 * 1024,
      // A consumer kafkajs restarted would read every partition from its start again and hand out
      // records twice: a crash fails the read instead, and the caller's retry reads it anew.
      retry: { restartOnFailure: async () => false },
    });
    let started: Promise<void> = Promise.resolve();
    try {
      const remaining = new TopicPartitionMap<number>();
      for (const topic of new Set(partitions.map((p) => p.topic))) {
        const ends = await step('fetch topic offsets', () => admin.fetchTopicOffsets(topic));
        for (const end of ends) {
          const wanted = partitions.some((p) => p.topic === topic && p.partition === end.partition);
          const start = Math.max(Number(end.low), from?.get({ topic, partition: end.partition }) ?? 0);
          if (wanted && Number(end.high) > start) remaining.set({ topic, partition: end.partition }, Number(end.high));
        }
      }
      if (remaining.size === 0) return 0;
      let restored = 0;
      const wanted = new TopicPartitionSet(partitions);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new ServiceUnavailableError(
                'kafka',
                `restore did not reach the end of ${[...remaining.keys()].map(({ topic, partition }) => `${topic}[${partition}]`).join(', ')}`,
              ),
            ),
          120_000,
        );
        // Fires for every batch, also those kafkajs filtered down to nothing (only transaction markers).
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          const end = remaining.get(payload);
          if (end !== undefined && Number(payload.lastOffset) + 1 >= end) remaining.delete(payload);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          clearTimeout(timer);
          reject(
            new ServiceUnavailableError('kafka', `restore read crashed: ${payload.error.message}`, {
              cause: payload.error,
            }),
          );
        });
        started = (async () => {
          await consumer.connect();
          await consumer.subscribe({ topics: [...new Set(partitions.map((p) => p.topic))], fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              if (!wanted.has(batch)) {
                consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
                return;
              }
              const end = (remaining.get(batch) ?? 0) - 1;
              const start = from?.get(batch) ?? 0;
              for (const message of batch.messages) {
                if (Number(message.offset) < start) continue; // before the seek below took effect
                if (Number(message.offset) > end) break; // written after the restore began: not ours to apply
                onRecord(toRecord(batch.topic, batch.partition, message));
                restored += 1;
              }
            },
          });
          // kafkajs seeks only once running: records before the offset that arrive first are skipped above.
          for (const [partition, offset] of from ?? [])
            if (remaining.has(partition)) consumer.seek({ ...partition, offset: String(offset) });
        })();
        started.catch((error: Error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      return restored;
    } finally {
      // A consumer still joining would ignore a stop and fetch on once joined: let the start settle first.
      await started.catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  }

  async disconnect(): Promise<void> {}
}
