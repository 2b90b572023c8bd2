import { defineTopology } from '../dsl';
import { FakeKafka } from '../testing/fake-kafka';
import { StreamApplication } from './stream-application';

// A table (`b.table`) on the Kafka runtime keeps no changelog of its own: after a restart its store
// is rebuilt from its source topic up to the committed offset, with the same version rules.

const APP = 'titles';
type Content = { title: string; version: number };

const topology = defineTopology(APP, (b) => {
  const titles = b.table<string, Content>('catalog', { store: 'titles', version: (c) => c.version });
  b.stream<string, { viewer: string }>('plays-by-content')
    .leftJoin(titles, (play, content) => `${play.viewer}:${content?.title ?? '-'}`)
    .to('titled');
});

const json = (value: unknown) => (value === null ? null : Buffer.from(JSON.stringify(value)));

function application(kafka: FakeKafka, instanceId: string) {
  return new StreamApplication({
    topology,
    applicationId: APP,
    transport: kafka.transport(),
    admin: kafka.admin(),
    instanceId,
    commitIntervalMs: 0,
    lagIntervalMs: 60_000,
    alignment: { maxWaitMs: 0 },
  });
}

const titled = (kafka: FakeKafka) =>
  new Map(
    kafka
      .partitionsOf('titled')
      .flat()
      .map((record) => [JSON.parse(String(record.key)) as string, JSON.parse(String(record.value)) as string]),
  );

/** Runs an instance until the group committed everything in both input topics. */
async function runUntilCaughtUp(kafka: FakeKafka, instanceId: string): Promise<void> {
  const app = application(kafka, instanceId);
  await app.start();
  const running = app.run();
  const caughtUp = () =>
    ['catalog', 'plays-by-content'].every((topic) =>
      kafka
        .partitionsOf(topic)
        .every((log, partition) => (kafka.committedOffset(APP, { topic, partition }) ?? 0) >= log.length),
    );
  for (let waited = 0; !caughtUp(); waited += 10) {
    if (waited > 10_000) throw new Error('did not catch up');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  app.stop();
  await running;
  await app.close();
}

describe('tables restored from their source topic', () => {
  it('hold after a restart what they held at the committed offset, version rules included', async () => {
    const kafka = new FakeKafka();
    for (const topic of ['catalog', 'plays-by-content', 'titled']) kafka.createTopic(topic, 2);
    kafka.append(
      ['c1', 'c2', 'c3', 'c4'].map((key) => ({
        topic: 'catalog',
        key: Buffer.from(key),
        value: json({ title: `T-${key}`, version: 2 }),
      })),
    );
    kafka.append([
      { topic: 'catalog', key: Buffer.from('c2'), value: json({ title: 'stale', version: 1 }) },
      { topic: 'catalog', key: Buffer.from('c3'), value: null, headers: { version: '3' } },
      { topic: 'catalog', key: Buffer.from('c3'), value: json({ title: 'older than the delete', version: 2 }) },
    ]);
    await runUntilCaughtUp(kafka, 'a');

    // A new instance: the plays arrive after the restart, the table's records long committed.
    const plays = ['c1', 'c2', 'c3', 'c4'].map((key) => ({
      topic: 'plays-by-content',
      key: Buffer.from(key),
      value: json({ viewer: `after-${key}` }),
    }));
    kafka.append(plays);
    await runUntilCaughtUp(kafka, 'b');
    expect(titled(kafka)).toEqual(
      new Map([
        ['c1', 'after-c1:T-c1'],
        ['c2', 'after-c2:T-c2'],
        ['c3', 'after-c3:-'],
        ['c4', 'after-c4:T-c4'],
      ]),
    );
  });
});
