import { DecodeError } from '../../schemas/serde/decode-error';
import type { KafkaAdmin } from '../kafka/admin';
import { TopicPartitionMap } from '../kafka/topic-partition-map';
import type { ConsumedRecord, KafkaTransport } from '../kafka/transport';
import type { SourceDecoders } from './source-decoders';
import type { ActiveTask } from './task-manager';

/**
 * Rebuilds the stores of tables (`b.table`) from their own source topics (Kafka Streams' source-topic
 * changelog: a table's compacted topic is its log, so it needs no changelog of its own). Each task's
 * partition of the topic is read up to the group's committed offset — what earlier runs applied
 * — through the table's materializing processor (stream-task.ts restoreTableRecord), so the table
 * holds exactly what it held when that offset was committed; processing goes on from there. A
 * record that cannot be decoded was dead-lettered when it was first processed and is skipped.
 */
export async function restoreTablesFromSources(
  tasks: readonly ActiveTask[],
  transport: KafkaTransport,
  admin: KafkaAdmin,
  decoders: SourceDecoders,
  applicationId: string,
): Promise<Map<ActiveTask, number>> {
  const ends = new TopicPartitionMap<number>();
  const owners = new TopicPartitionMap<ActiveTask>();
  const committedByTopic = new Map<string, Map<number, number>>();
  for (const active of tasks)
    for (const topic of active.task.tableSourceTopics) {
      let committed = committedByTopic.get(topic);
      if (!committed) committedByTopic.set(topic, (committed = await admin.committedOffsets(applicationId, topic)));
      const end = committed.get(active.partition);
      if (end === undefined || end === 0) continue; // nothing applied yet: processing reads it from the start
      ends.set({ topic, partition: active.partition }, end);
      owners.set({ topic, partition: active.partition }, active);
    }
  const restored = new Map<ActiveTask, number>();
  if (ends.size === 0) return restored;
  const records: ConsumedRecord[] = [];
  const reader = transport.partitionReader();
  try {
    await reader.readToEnd([...ends.keys()], (record) => {
      if (record.offset < (ends.get(record) ?? 0)) records.push(record);
    });
  } finally {
    await reader.disconnect();
  }
  await decoders.prepare(records);
  for (const consumed of records) {
    const active = owners.get(consumed) as ActiveTask;
    let decoded: { key: unknown; value: unknown };
    try {
      decoded = decoders.decode(consumed);
    } catch (error) {
      if (error instanceof DecodeError) continue;
      throw error;
    }
    active.task.restoreTableRecord(consumed.topic, {
      key: decoded.key,
      value: decoded.value,
      timestamp: consumed.timestamp,
      headers: consumed.headers,
      source: { topic: consumed.topic, partition: consumed.partition, offset: String(consumed.offset) },
    });
    restored.set(active, (restored.get(active) ?? 0) + 1);
  }
  return restored;
}
