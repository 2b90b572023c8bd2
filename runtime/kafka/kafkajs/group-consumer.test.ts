import { EventEmitter } from 'node:events';
import { KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError, type Kafka } from 'kafkajs';
import { KafkajsGroupConsumer } from './group-consumer';

/**
 * The group consumer against a kafkajs double: how it starts kafkajs's consumer on a broker whose
 * group coordinator is not there yet (kafkajs's own consumer would crash for good on it).
 */
const events = { GROUP_JOIN: 'join', END_BATCH_PROCESS: 'end-batch', CRASH: 'crash' } as const;

class FakeConsumer extends EventEmitter {
  readonly events = events;
  runs = 0;
  /** What happened, in order: 'subscribed', 'run', 'disconnected'. */
  readonly calls: string[] = [];
  /** Holds `subscribe` (kafkajs fetches the topics' metadata) until called. */
  subscribed: Promise<void> = Promise.resolve();

  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {
    await this.subscribed;
    this.calls.push('subscribed');
  }
  async run(): Promise<void> {
    this.runs += 1;
    this.calls.push('run');
  }
  async disconnect(): Promise<void> {
    this.calls.push('disconnected');
  }
}

/** An admin whose first `failures` coordinator lookups fail with `error`. */
class FakeAdmin {
  lookups = 0;

  constructor(
    private failures: number,
    private readonly error: () => Error = coordinatorNotFound,
  ) {}

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async describeGroups(groupIds: string[]): Promise<{ groups: { groupId: string }[] }> {
    this.lookups += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw this.error();
    }
    return { groups: groupIds.map((groupId) => ({ groupId })) };
  }
}

/** kafkajs's typings give this error no constructor arguments; at run time it takes its message. */
const coordinatorNotFound = () =>
  new (KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)(
    'Failed to find group coordinator',
  );

const listener = { onAssigned: () => {}, onRevoked: () => {} };

async function subscribed(
  admin: FakeAdmin,
  fake = new FakeConsumer(),
): Promise<{ consumer: KafkajsGroupConsumer; fake: FakeConsumer }> {
  const kafka = { consumer: () => fake, admin: () => admin } as unknown as Kafka;
  const consumer = new KafkajsGroupConsumer(kafka, 'group');
  await consumer.connect(listener);
  consumer.subscribe(['events']);
  return { consumer, fake };
}

describe('KafkajsGroupConsumer starting on a broker without a group coordinator yet', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits for the coordinator before kafkajs first joins, however long it takes', async () => {
    const admin = new FakeAdmin(6);
    const { consumer, fake } = await subscribed(admin);
    await jest.advanceTimersByTimeAsync(10_000); // backoff 0.5, 1, 2, 4 s (± 20 %): four lookups failed so far
    expect(fake.runs).toBe(0);
    expect(admin.lookups).toBeGreaterThanOrEqual(4);
    // Meanwhile the runtime sees no failure: it goes on asking for records.
    const consumed = consumer.consumeBatch(100, 10);
    await jest.advanceTimersByTimeAsync(20);
    await expect(consumed).resolves.toEqual([]);

    await jest.advanceTimersByTimeAsync(20_000);
    expect(admin.lookups).toBe(7);
    expect(fake.runs).toBe(1);
  });

  it('joins at once when the coordinator is there', async () => {
    const admin = new FakeAdmin(0);
    const { fake } = await subscribed(admin);
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.runs).toBe(1);
  });

  it('never starts kafkajs once the application is stopping, and stops waiting for the coordinator at once', async () => {
    const admin = new FakeAdmin(100);
    const { consumer, fake } = await subscribed(admin);
    await jest.advanceTimersByTimeAsync(2_000);
    const lookups = admin.lookups;
    await consumer.disconnect(); // resolves with no timer advanced: the backoff's wait was cut short
    await jest.advanceTimersByTimeAsync(60_000);
    expect(fake.runs).toBe(0);
    expect(admin.lookups).toBe(lookups);
  });

  it('closes the client only after a start under way went no further (else it reconnects and the process never exits)', async () => {
    const fake = new FakeConsumer();
    let subscribe!: () => void;
    fake.subscribed = new Promise<void>((resolve) => (subscribe = resolve));
    const admin = new FakeAdmin(0);
    const { consumer } = await subscribed(admin, fake);
    let disconnected = false;
    const disconnecting = consumer.disconnect().then(() => (disconnected = true));
    await jest.advanceTimersByTimeAsync(100);
    expect(disconnected).toBe(false); // kafkajs is still subscribing

    subscribe();
    await disconnecting;
    expect(fake.calls).toEqual(['subscribed', 'disconnected']);
    expect(admin.lookups).toBe(0);
  });

  it('stops the runtime with a refusal no wait changes', async () => {
    const admin = new FakeAdmin(1, () => new KafkaJSNonRetriableError('Not authorized to access group'));
    const { consumer, fake } = await subscribed(admin);
    await jest.advanceTimersByTimeAsync(0);
    await expect(consumer.consumeBatch(100, 10)).rejects.toMatchObject({
      retriable: false,
      message: expect.stringMatching(/find the group coordinator: Not authorized/),
    });
    expect(fake.runs).toBe(0);
  });
});

describe('KafkajsGroupConsumer leaving', () => {
  it('lets kafkajs restart a crashed consumer while running, never once it is being disconnected', async () => {
    let options: { retry?: { restartOnFailure?: (error: Error) => Promise<boolean> } } = {};
    const fake = new FakeConsumer();
    const kafka = {
      consumer: (given: typeof options) => {
        options = given;
        return fake;
      },
      admin: () => new FakeAdmin(0),
    } as unknown as Kafka;
    const consumer = new KafkajsGroupConsumer(kafka, 'group');
    await consumer.connect(listener);
    consumer.subscribe(['events']);
    const restart = options.retry?.restartOnFailure as (error: Error) => Promise<boolean>;
    const lost = new Error('Connection error: write after end');
    expect(await restart(lost)).toBe(true);
    await consumer.disconnect();
    expect(await restart(lost)).toBe(false);
  });
});
