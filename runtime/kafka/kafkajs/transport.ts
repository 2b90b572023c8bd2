import type { KafkaConfig } from '../../config/schema';
import { assertKafkajsAwaitsBeforeRejoin, assertKafkajsFiltersAbortedTransactions } from './patched-kafkajs';
import { createKafkaJs } from './client';
import { KafkajsGroupConsumer } from './group-consumer';
import { KafkajsPartitionFollower } from './partition-follower';
import { KafkajsPartitionReader } from './partition-reader';
import { KafkajsTransactionalProducer } from './transactional-producer';
import type { KafkaTransport } from '../transport';

/** The kafkajs transport: one file per client in this folder, errors classified in errors.ts. */
export function kafkajsTransport(config: KafkaConfig): KafkaTransport {
  // Without either fix a kafkajs consumer counts records twice (patched-kafkajs.ts).
  assertKafkajsFiltersAbortedTransactions();
  assertKafkajsAwaitsBeforeRejoin();
  const kafka = createKafkaJs(config);
  return {
    name: 'kafkajs',
    consumer: (groupId) => new KafkajsGroupConsumer(kafka, groupId),
    transactionalProducer: (transactionalId) => new KafkajsTransactionalProducer(kafka, transactionalId),
    partitionReader: () => new KafkajsPartitionReader(kafka),
    partitionFollower: () => new KafkajsPartitionFollower(kafka),
  };
}
