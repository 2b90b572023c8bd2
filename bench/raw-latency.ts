import { writeFileSync } from 'node:fs';
import type { ProbeSample } from '../simulator/latency-probe';
import { loadConfig } from '../runtime/config/load';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';

/**
 * The raw client beside the pipeline, for latency: a plain kafkajs consumer (no transaction, no
 * processing, no sink) on `topic` that times every record whose key starts with `keyPrefix` from its
 * Kafka timestamp (the send time) to its delivery. Run as a process of its own by
 * bench/premium-floor.ts: `run-ts bench/raw-latency.ts <topic> <keyPrefix> <group> <out.json>`; on
 * SIGTERM it writes the samples ({ sentAt, latencyMs }) to out.json and exits.
 */
const [topic, keyPrefix, group, out] = process.argv.slice(2);
if (!topic || !keyPrefix || !group || !out) {
  console.error('usage: raw-latency <topic> <keyPrefix> <group> <out.json>');
  process.exit(2);
}

void (async () => {
  const consumer = createKafkaJs(loadConfig().kafka).consumer({ groupId: group });
  const samples: ProbeSample[] = [];
  process.once('SIGTERM', () => {
    writeFileSync(out, JSON.stringify(samples));
    void consumer.disconnect().finally(() => process.exit(0));
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const message of batch.messages)
        if (message.key?.toString().startsWith(keyPrefix)) {
          const sentAt = Number(message.timestamp);
          samples.push({ sentAt, latencyMs: now - sentAt });
        }
    },
  });
  console.log('consuming');
})();
