import type { KafkaConfig } from '../runtime/config/schema';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';
import { avroType } from '../schemas/catalog';
import { AvroSerializer } from '../schemas/serde/avro-serializer';
import type { SchemaRegistryClient } from '../schemas/serde/registry-client';
import type { ContentMetadata } from '../schemas/types.generated';
import type { CatalogRecord } from './catalog';

/**
 * Produces catalog records as Avro (Confluent wire format) keyed by content id, tombstones with
 * their version header; at `rate` records per second (in batches of a tenth of a second), or as fast
 * as the broker takes them. Returns how many were sent.
 */
export async function produceCatalog(
  records: readonly CatalogRecord[],
  kafka: KafkaConfig,
  registry: SchemaRegistryClient,
  options: { topic: string; rate?: number },
): Promise<number> {
  const serializer = new AvroSerializer<ContentMetadata>(
    avroType('ContentMetadata'),
    `${options.topic}-value`,
    registry,
  );
  await serializer.init();
  const producer = createKafkaJs(kafka).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const batch = options.rate ? Math.max(1, Math.round(options.rate / 10)) : 5_000;
    const started = Date.now();
    for (let sent = 0; sent < records.length; sent += batch) {
      const messages = records.slice(sent, sent + batch).map((record) => ({
        key: record.key,
        value: record.value === null ? null : serializer.encode(record.value),
        headers: record.headers,
      }));
      await producer.send({ topic: options.topic, messages });
      if (options.rate) {
        const due = started + ((sent + messages.length) / options.rate) * 1_000;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
    }
    return records.length;
  } finally {
    await producer.disconnect();
  }
}
