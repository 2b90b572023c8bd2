import type { KafkaMessage } from 'kafkajs';
import type { ConsumedRecord, TopicPartition } from '../transport';

/** kafkajs's messages as the runtime's records, and the partition shapes kafkajs's calls take. */

export function toRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {}))
    if (value !== undefined) headers[name] = String(value);
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    timestamp: Number(message.timestamp),
    headers,
  };
}

export function groupByTopic(partitions: TopicPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  return [...byTopic].map(([topic, numbers]) => ({ topic, partitions: numbers }));
}
