import type { KafkaConsumer, Message } from 'node-rdkafka';
import { classifyRdkafkaError } from './errors';

/**
 * How long a consume call waits for each message after the first. node-rdkafka's batch consume
 * (src/workers.cc, KafkaConsumerConsumeNum) waits its whole timeout for every message until the
 * batch is full: records trickling in faster than that (a probe's ten a second, a catalog's updates,
 * a lane's last records) kept one call of 5,000 open for minutes, and the caller with it.
 */
const DRAIN_WAIT_MS = 1;

/**
 * What the client has fetched already, up to `maxRecords`; when nothing is, waits up to `maxWaitMs`
 * for the first message and takes what follows it. The batch ends at the first gap.
 */
export async function consumeBatch(consumer: KafkaConsumer, maxRecords: number, maxWaitMs: number): Promise<Message[]> {
  const ready = await consume(consumer, maxRecords, DRAIN_WAIT_MS);
  if (ready.length > 0 || maxWaitMs <= DRAIN_WAIT_MS) return ready;
  const first = await consume(consumer, 1, maxWaitMs);
  if (first.length === 0 || maxRecords <= 1) return first;
  return first.concat(await consume(consumer, maxRecords - 1, DRAIN_WAIT_MS));
}

function consume(consumer: KafkaConsumer, maxRecords: number, waitPerMessageMs: number): Promise<Message[]> {
  // Read by the consume call when it starts (each caller awaits one call at a time).
  consumer.setDefaultConsumeTimeout(waitPerMessageMs);
  return new Promise<Message[]>((resolve, reject) =>
    consumer.consume(maxRecords, (error, batch) => {
      if (error) reject(classifyRdkafkaError('consume', error));
      else resolve(batch);
    }),
  );
}
