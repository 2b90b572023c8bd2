import type { KafkaConfig } from '../../config/schema';
import { assertKafkajsFiltersAbortedTransactions } from './patched-kafkajs';
import { createKafkaJs } from './client';
import { KafkajsGroupConsumer } from './group-consumer';
import { KafkajsPartitionReader } from './partition-reader';
import { KafkajsTransactionalProducer } from './transactional-producer';
import type { KafkaTransport } from '../transport';

/** The kafkajs transport: one file per client in this folder, errors classified in errors.ts. */
export function kafkajsTransport(config: KafkaConfig): KafkaTransport {
  // Its consumers and readers read read_committed: a kafkajs that hands out aborted records would count them.
  assertKafkajsFiltersAbortedTransactions();
  const kafka = createKafkaJs(config);
  return {
    name: 'kafkajs',
    consumer: (groupId) => new KafkajsGroupConsumer(kafka, groupId),
    transactionalProducer: (transactionalId) => new KafkajsTransactionalProducer(kafka, transactionalId),
    partitionReader: () => new KafkajsPartitionReader(kafka),
  };
}
