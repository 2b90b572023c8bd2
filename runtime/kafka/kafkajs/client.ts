import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../../config/schema';
import { createLogger } from '../../../core/logging';

const log = createLogger('kafkajs');

/** kafkajs log levels routed into pino, so client logs are structured like ours. */
function logCreator() {
  return () =>
    ({ level, log: entry }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...fields } = entry;
      if (level === logLevel.ERROR) log.error(fields, message);
      else if (level === logLevel.WARN) log.warn(fields, message);
      else if (level === logLevel.INFO) log.debug(fields, message);
    };
}

/** A kafkajs client from the validated config; TLS and SASL are passed through as they are. */
export function createKafkaJs(config: KafkaConfig, overrides: Partial<KafkaJsConfig> = {}): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl as SASLOptions | undefined,
    logLevel: logLevel.WARN,
    logCreator,
    ...overrides,
  });
}
