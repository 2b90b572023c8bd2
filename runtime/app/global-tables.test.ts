import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineTopology } from '../dsl';
import { applicationReady, globalTableRecords, metricsRegistry } from '../metrics';
import { FakeKafka } from '../testing/fake-kafka';
import { StreamApplication } from './stream-application';

// Global tables on the Kafka runtime, against the in-memory Kafka: bootstrapped in full before the
// first stream record is joined, kept current afterwards, tombstones delete.
// test/integration/global-tables.test.ts runs the same on the real broker with both transports.

const APP = 'enrich';
type Content = { title: string; version: number };
type Play = { contentId: string };

const topology = defineTopology(APP, (b) => {
  const catalog = b.globalTable<string, Content>('catalog', { store: 'catalog', version: (c) => c.version });
  b.stream<string, Play>('plays')
    .leftJoin(
      catalog,
      (play) => play.contentId,
      (play, content) => ({ contentId: play.contentId, title: content?.title ?? null }),
    )
    .to('titled');
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function kafkaWithCatalog(titles: number): FakeKafka {
  const kafka = new FakeKafka();
  kafka.createTopic('catalog', 2);
  kafka.createTopic('plays', 3);
  kafka.createTopic('titled', 3);
  kafka.append(
    Array.from({ length: titles }, (_, index) => ({
      topic: 'catalog',
      key: Buffer.from(`c${index}`),
      value: json({ title: `Title ${index}`, version: 1 }),
    })),
  );
  return kafka;
}

function application(kafka: FakeKafka, stateDir?: string) {
  return new StreamApplication({
    stateDir,
    topology,
    applicationId: APP,
    transport: kafka.transport(),
    admin: kafka.admin(),
    instanceId: 'a',
    commitIntervalMs: 0,
    lagIntervalMs: 60_000,
    alignment: { maxWaitMs: 0 },
  });
}

const outputs = (kafka: FakeKafka) =>
  kafka.partitionsOf('titled').flatMap((log) =>
    log.map((record) => ({
      key: JSON.parse(String(record.key)) as string,
      ...(JSON.parse(String(record.value)) as { contentId: string; title: string | null }),
    })),
  );

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function readiness(): Promise<number | undefined> {
  const metric = await applicationReady.get();
  return metric.values.find((sample) => sample.labels.application === APP)?.value;
}

describe('global tables on the Kafka runtime', () => {
  afterEach(() => metricsRegistry.resetMetrics());

  it('bootstraps the whole table before the first stream record is joined, then follows it', async () => {
    const kafka = kafkaWithCatalog(500);
    // Plays wait in Kafka before the application starts: the first ones fetched must find the table full.
    kafka.append(
      Array.from({ length: 300 }, (_, index) => ({
        topic: 'plays',
        key: Buffer.from(`s${index}`),
        value: json({ contentId: `c${index}` }),
      })),
    );
    const app = application(kafka);
    expect(await readiness()).not.toBe(1);
    await app.start();
    // Tables bootstrapped, tasks not assigned and restored yet: ready only once they are.
    expect(await readiness()).not.toBe(1);
    const running = app.run();
    await until(() => outputs(kafka).length === 300, 'the first plays');
    expect(await readiness()).toBe(1);
    expect(outputs(kafka).filter((out) => out.title === null)).toEqual([]);

    // Kept current while running: an update, a delete (a null value, not a dead letter), a stale update.
    kafka.append([
      { topic: 'catalog', key: Buffer.from('c1'), value: json({ title: 'Title 1 (remastered)', version: 2 }) },
      { topic: 'catalog', key: Buffer.from('c2'), value: null, headers: { version: '2' } },
      { topic: 'catalog', key: Buffer.from('c3'), value: json({ title: 'stale', version: 0 }) },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    kafka.append(
      ['c1', 'c2', 'c3'].map((contentId, index) => ({
        topic: 'plays',
        key: Buffer.from(`late-${index}`),
        value: json({ contentId }),
      })),
    );
    await until(() => outputs(kafka).length === 303, 'the later plays');
    const late = outputs(kafka).filter((out) => out.key.startsWith('late-'));
    expect(
      late.map(({ contentId, title }) => ({ contentId, title })).sort((x, y) => x.contentId.localeCompare(y.contentId)),
    ).toEqual([
      { contentId: 'c1', title: 'Title 1 (remastered)' },
      { contentId: 'c2', title: null },
      { contentId: 'c3', title: 'Title 3' },
    ]);
    expect(kafka.partitionsOf(`${APP}.dlq`).flat()).toEqual([]);
    app.stop();
    await running;
    await app.close();
    expect(await readiness()).toBe(0);
  });

  it('reads the global topic outside the group', async () => {
    const kafka = kafkaWithCatalog(10);
    const app = application(kafka);
    await app.start();
    const running = app.run();
    kafka.append([{ topic: 'plays', key: Buffer.from('s'), value: json({ contentId: 'c0' }) }]);
    await until(() => outputs(kafka).length === 1, 'the play');
    // The group never owned the global topic: only the application's global tables read it.
    expect(kafka.committed.get(APP)?.get({ topic: 'catalog', partition: 0 })).toBeUndefined();
    app.stop();
    await running;
    await app.close();
  });

  describe('on disk (a state directory)', () => {
    let stateDir: string;
    beforeEach(() => (stateDir = mkdtempSync(join(tmpdir(), 'reelstream-global-'))));
    afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

    const recordsRead = async () =>
      (await globalTableRecords.get()).values.reduce((sum, sample) => sum + sample.value, 0);
    const checkpoint = () => join(stateDir, APP, 'a', 'global', '.checkpoint');

    async function playOnce(kafka: FakeKafka, contentId: string, key: string) {
      const app = application(kafka, stateDir);
      await app.start();
      const running = app.run();
      kafka.append([{ topic: 'plays', key: Buffer.from(key), value: json({ contentId }) }]);
      await until(() => outputs(kafka).some((out) => out.key === key), `the play ${key}`);
      app.stop();
      await running;
      await app.close();
      return outputs(kafka).find((out) => out.key === key)?.title;
    }

    it('after a clean stop, a restart reads only what was appended since, and deletes stay deleted', async () => {
      const kafka = kafkaWithCatalog(200);
      expect(await playOnce(kafka, 'c1', 'first')).toBe('Title 1');
      expect(await recordsRead()).toBe(200);
      expect(existsSync(checkpoint())).toBe(true);

      // While stopped: a delete at version 5, and an update of c7.
      kafka.append([
        { topic: 'catalog', key: Buffer.from('c5'), value: null, headers: { version: '5' } },
        { topic: 'catalog', key: Buffer.from('c7'), value: json({ title: 'Seven, renamed', version: 2 }) },
      ]);
      expect(await playOnce(kafka, 'c7', 'second')).toBe('Seven, renamed');
      expect(await recordsRead()).toBe(202); // the two new records, not the 200 again
      expect(await playOnce(kafka, 'c1', 'from-disk')).toBe('Title 1'); // what the first run read, from disk

      // After another restart, an update older than the delete must not bring c5 back.
      kafka.append([{ topic: 'catalog', key: Buffer.from('c5'), value: json({ title: 'Five, stale', version: 4 }) }]);
      expect(await playOnce(kafka, 'c5', 'third')).toBeNull();
      expect(await recordsRead()).toBe(203);
    });

    /** A recreated catalog topic that holds c2 alone (and nothing of what the disk holds of c1). */
    function recreatedKafka(): FakeKafka {
      const kafka = new FakeKafka();
      kafka.createTopic('catalog', 2);
      kafka.createTopic('plays', 3);
      kafka.createTopic('titled', 3);
      kafka.append([{ topic: 'catalog', key: Buffer.from('c2'), value: json({ title: 'Other two', version: 1 }) }]);
      return kafka;
    }

    it('without a checkpoint (a crash), empties the tables on disk and reads the topic from the start', async () => {
      expect(await playOnce(kafkaWithCatalog(50), 'c1', 'first')).toBe('Title 1');
      rmSync(checkpoint()); // as a crash leaves it
      const kafka = recreatedKafka();
      expect(await playOnce(kafka, 'c2', 'second')).toBe('Other two');
      expect(await playOnce(kafka, 'c1', 'third')).toBeNull();
    });

    it('with a checkpoint its topic no longer matches (recreated, shorter), reads it again from the start', async () => {
      expect(await playOnce(kafkaWithCatalog(300), 'c1', 'first')).toBe('Title 1');
      expect(existsSync(checkpoint())).toBe(true);
      const kafka = recreatedKafka();
      expect(await playOnce(kafka, 'c1', 'second')).toBeNull();
      expect(await playOnce(kafka, 'c2', 'third')).toBe('Other two');
    });
  });
});
