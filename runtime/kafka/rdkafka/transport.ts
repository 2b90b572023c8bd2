import { randomUUID } from 'node:crypto';
import type { KafkaConfig } from '../../config/schema';
import { RdkafkaGroupConsumer } from './group-consumer';
import { RdkafkaPartitionFollower } from './partition-follower';
import { RdkafkaPartitionReader } from './partition-reader';
import { RdkafkaTransactionalProducer } from './transactional-producer';
import type { KafkaTransport } from '../transport';

/** The node-rdkafka transport: one file per client in this folder, errors classified in errors.ts. */
export function rdkafkaTransport(config: KafkaConfig): KafkaTransport {
  return {
    name: 'rdkafka',
    consumer: (groupId) => new RdkafkaGroupConsumer(config, groupId),
    transactionalProducer: (transactionalId) => new RdkafkaTransactionalProducer(config, transactionalId),
    partitionReader: () => new RdkafkaPartitionReader(config),
    partitionFollower: () => new RdkafkaPartitionFollower(config, `reelstream-follower-${randomUUID()}`),
  };
}
