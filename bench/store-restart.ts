/**
 * npm run bench:restart — how soon a restarted task holding KEYS (default 1,000,000) keys serves
 * again, on the local stack: a count per key (one input partition, so one task holds every key)
 * is run to the end of its input and stopped cleanly; then the same task starts again
 *   1. with its store on disk (LMDB) and the checkpoint of that clean stop: only the changelog tail is read;
 *   2. with its store on disk and no checkpoint (as after a crash): emptied and restored from the whole changelog;
 *   3. with its store in memory: restored from the whole changelog.
 * "Serves again" is measured from start() until a record produced after the start has been
 * processed and committed. Each line says how many changelog records were read and how many keys
 * the store holds. Needs `reelstream stack up`.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from 'node-rdkafka';
import { StreamApplication } from '../runtime/app/stream-application';
import { loadConfig } from '../runtime/config/load';
import { defineTopology } from '../runtime/dsl';
import { createTransport } from '../runtime/kafka/create-transport';
import { kafkajsAdmin } from '../runtime/kafka/kafkajs/admin';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';
import { changelogTopic, dlqTopic } from '../runtime/naming';

const KEYS = Number(process.env.KEYS ?? 1_000_000);
const config = loadConfig();
const run = `restart${Date.now().toString(36)}`;
const input = `${run}-input`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const topology = defineTopology(run, (b) => b.stream<string, number>(input).groupByKey().count({ store: 'counts' }));

async function produce(producer: Producer, from: number, to: number): Promise<void> {
  let delivered = 0;
  const done = new Promise<void>((resolve) => {
    const onReport = () => {
      delivered += 1;
      if (delivered === to - from) {
        producer.off('delivery-report', onReport);
        resolve();
      }
    };
    producer.on('delivery-report', onReport);
  });
  for (let i = from; i < to; i += 1) {
    for (;;) {
      try {
        producer.produce(input, 0, Buffer.from('1'), `key-${i}`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  await done;
}

function application(admin: ReturnType<typeof kafkajsAdmin>, instanceId: string, stateDir?: string) {
  return new StreamApplication({
    topology,
    applicationId: run,
    transport: createTransport(config.kafka),
    admin,
    instanceId,
    stateDir,
  });
}

void (async () => {
  const kafkaAdmin = createKafkaJs(config.kafka).admin();
  await kafkaAdmin.connect();
  const admin = kafkajsAdmin(kafkaAdmin);
  await kafkaAdmin.createTopics({ topics: [{ topic: input, numPartitions: 1 }], waitForLeaders: true });
  const producer = new Producer(
    { 'metadata.broker.list': config.kafka.brokers.join(','), 'linger.ms': 20, dr_cb: true },
    {},
  );
  await new Promise<void>((resolve, reject) => producer.connect({}, (error) => (error ? reject(error) : resolve())));
  producer.setPollInterval(20);
  await produce(producer, 0, KEYS);
  const stateDir = mkdtempSync(join(tmpdir(), 'reelstream-restart-'));

  // The first run: every key counted once, then a clean stop (the checkpoint).
  const first = application(admin, 'on-disk', stateDir);
  await first.start();
  const firstRun = first.run();
  const filling = Date.now();
  while (first.stats.processed < KEYS) await new Promise((r) => setTimeout(r, 100));
  first.stop();
  await firstRun;
  await first.close();
  console.log(`${fmt(KEYS)} keys counted into an on-disk store in ${((Date.now() - filling) / 1000).toFixed(1)} s`);

  let next = KEYS;
  const restart = async (label: string, instanceId: string, dir?: string) => {
    const app = application(admin, instanceId, dir);
    const started = Date.now();
    await app.start();
    const running = app.run();
    await produce(producer, next, next + 1); // one record produced after the start
    next += 1;
    while (app.stats.processed < 1 || app.stats.commits < 1) await new Promise((r) => setTimeout(r, 10));
    const ms = Date.now() - started;
    app.stop();
    await running;
    await app.close();
    console.log(
      `${label}: serves again ${fmt(ms)} ms after start; ${fmt(app.stats.restoredRecords)} changelog records read, the store holds ${fmt(app.stats.storeEntries)} keys`,
    );
  };
  await restart('on disk, resumed from its checkpoint', 'on-disk', stateDir);
  for (const file of readdirSync(stateDir, { recursive: true, encoding: 'utf8' }))
    if (file.endsWith('.checkpoint')) rmSync(join(stateDir, file));
  await restart('on disk, without a checkpoint (after a crash)', 'on-disk', stateDir);
  await restart('in memory', 'in-memory');

  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  await kafkaAdmin
    .deleteTopics({ topics: [input, changelogTopic(run, 'counts'), dlqTopic(run)] })
    .catch(() => undefined);
  await kafkaAdmin.deleteGroups([run]).catch(() => undefined);
  await kafkaAdmin.disconnect();
  rmSync(stateDir, { recursive: true, force: true });
  console.log(`node ${process.version}, 2 cores, processor and broker on the same machine`);
})();
