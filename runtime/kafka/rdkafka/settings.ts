import type { LibrdKafkaError } from 'node-rdkafka';
import type { KafkaConfig } from '../../config/schema';
import { classifyRdkafkaError } from './errors';

/** librdkafka settings shared by every client: brokers, TLS and SASL passed through. */
export function baseSettings(config: KafkaConfig): Record<string, string | number | boolean> {
  const settings: Record<string, string | number | boolean> = {
    'metadata.broker.list': config.brokers.join(','),
    'client.id': config.clientId,
  };
  if (config.ssl || config.sasl)
    settings['security.protocol'] = config.ssl ? (config.sasl ? 'sasl_ssl' : 'ssl') : 'sasl_plaintext';
  if (config.sasl) {
    settings['sasl.mechanisms'] = config.sasl.mechanism.toUpperCase();
    settings['sasl.username'] = config.sasl.username;
    settings['sasl.password'] = config.sasl.password;
  }
  return settings;
}

/** A node-rdkafka callback as a promise, its error classified and named by the step. */
export const callback =
  <T>(resolve: (value: T) => void, reject: (error: Error) => void, what: string) =>
  (error: LibrdKafkaError | null | undefined, value?: T) => {
    if (error) reject(classifyRdkafkaError(what, error));
    else resolve(value as T);
  };
