import { Producer } from 'node-rdkafka';

/**
 * The input of bench:engine and bench:vs-kafka-streams: JSON view events {contentId, at} over 1,000
 * content ids, event time advancing 1 ms per 1,000 records from an hour ago, keyed by session
 * (100,000 sessions), produced with node-rdkafka (murmur2 partitioning, as Java clients).
 */
export function viewEvent(index: number, base: number): { contentId: string; at: number } {
  return { contentId: `content-${index % 1_000}`, at: base + Math.floor(index / 1_000) };
}

/** The count per 1-minute window ("contentId@windowStart") that `records` events from `base` give. */
export function expectedCounts(records: number, base: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < records; i += 1) {
    const { contentId, at } = viewEvent(i, base);
    const window = `${contentId}@${at - (at % 60_000)}`;
    counts.set(window, (counts.get(window) ?? 0) + 1);
  }
  return counts;
}

/** Produces `records` view events to `input`; resolves with their base event time once all are acknowledged. */
export async function produceViewEvents(
  brokerList: readonly string[],
  input: string,
  records: number,
): Promise<number> {
  const brokers = brokerList.join(',');
  const producer = new Producer(
    {
      'metadata.broker.list': brokers,
      'linger.ms': 20,
      'batch.num.messages': 10_000,
      'queue.buffering.max.messages': 2_000_000,
      dr_cb: true,
    },
    { partitioner: 'murmur2_random' },
  );
  await new Promise<void>((resolve, reject) => producer.connect({}, (error) => (error ? reject(error) : resolve())));
  producer.setPollInterval(20);
  let delivered = 0;
  const done = new Promise<void>((resolve) =>
    producer.on('delivery-report', () => ++delivered === records && resolve()),
  );
  const base = Date.now() - 3_600_000;
  for (let i = 0; i < records; i += 1) {
    const { contentId, at } = viewEvent(i, base);
    const value = Buffer.from(JSON.stringify({ contentId, at }));
    for (;;) {
      try {
        producer.produce(input, null, value, `session-${i % 100_000}`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  await done;
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  return base;
}
