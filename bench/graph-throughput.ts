/**
 * npm run bench:graph — records/s through filter → map → windowed count in the TopologyTestDriver:
 * the engine's synchronous path alone, no Kafka, no serdes, no I/O.
 *
 * Two shapes: `keyed` (map keeps the key, no repartition) and `rekeyed` (map sets a new key, so the
 * records go through the repartition topic, which the driver pipes back in memory).
 * Input: RECORDS (default 2,000,000) view events, 10,000 content ids, event time advancing 1 ms per
 * record with 5 % out of order by up to 10 s; fed as batches of 10,000 (one fetch each).
 */
import { defineTopology, tumbling } from '../runtime/dsl';
import { TopologyTestDriver } from '../runtime/testing/topology-test-driver';

interface View {
  contentId: string;
  type: 'start' | 'heartbeat';
  at: number;
}

const RECORDS = Number(process.env.RECORDS ?? 2_000_000);
const BATCH = 10_000;
const CONTENT_IDS = 10_000;

function makeInput(): { key: string; value: View }[] {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const input: { key: string; value: View }[] = [];
  for (let i = 0; i < RECORDS; i += 1) {
    const late = random() < 0.05 ? Math.floor(random() * 10_000) : 0;
    const contentId = `content-${Math.floor(random() ** 2 * CONTENT_IDS)}`;
    input.push({ key: contentId, value: { contentId, type: random() < 0.9 ? 'heartbeat' : 'start', at: i - late } });
  }
  return input;
}

function topology(rekeyed: boolean) {
  return defineTopology(`bench-${rekeyed ? 'rekeyed' : 'keyed'}`, (b) => {
    const views = b
      .stream<string, View>('views', { timestamp: (view) => view.at })
      .filter((view) => view.type === 'heartbeat' || view.type === 'start');
    const mapped = rekeyed
      ? views.map((view) => ({ key: `${view.contentId}:${view.type}`, value: view.type }))
      : views.map((view, key) => ({ key, value: view.type }));
    mapped
      .groupByKey()
      .windowedBy(tumbling('1m').grace('10s'))
      .count({ store: 'counts', emit: { updates: '1s', final: true } })
      .to('counts');
  });
}

function run(rekeyed: boolean, input: { key: string; value: View }[]): { recordsPerSecond: number; outputs: number } {
  const driver = new TopologyTestDriver(topology(rekeyed));
  let outputs = 0;
  const started = process.hrtime.bigint();
  for (let offset = 0; offset < input.length; offset += BATCH) {
    driver.pipeInputs('views', input.slice(offset, offset + BATCH));
    driver.advanceWallClockTime(1_000); // one dashboard update round per batch
    outputs += driver.readOutput('counts').length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { recordsPerSecond: Math.round(input.length / seconds), outputs };
}

const input = makeInput();
// A short warm-up so the JIT has compiled the hot path before measuring.
run(false, input.slice(0, 200_000));
for (const rekeyed of [false, true]) {
  const { recordsPerSecond, outputs } = run(rekeyed, input);
  console.log(
    `${rekeyed ? 'rekeyed (with repartition)' : 'keyed (no repartition)'}: ${recordsPerSecond.toLocaleString('en-US')} records/s ` +
      `over ${RECORDS.toLocaleString('en-US')} records (${outputs.toLocaleString('en-US')} window results)`,
  );
}
console.log(`node ${process.version}, ${require('node:os').cpus()[0]?.model ?? 'unknown CPU'}, 1 core used`);
