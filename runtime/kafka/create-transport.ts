import type { KafkaConfig } from '../config/schema';
import { kafkajsTransport } from './kafkajs/transport';
import { rdkafkaTransport } from './rdkafka/transport';
import type { KafkaTransport } from './transport';

/** The transport the config names (`kafka.transport`, env KAFKA_TRANSPORT): kafkajs or rdkafka. */
export function createTransport(config: KafkaConfig): KafkaTransport {
  return config.transport === 'rdkafka' ? rdkafkaTransport(config) : kafkajsTransport(config);
}
