import type { Admin } from 'kafkajs';
import { applyTopics } from './apply-topics';
import type { TopicSpec } from './topics';

const spec: TopicSpec = { name: 'plays', partitions: 3, configs: { 'cleanup.policy': 'delete' }, description: 'test' };

/** An admin double whose cluster starts empty and whose create fails retriably once the topic exists. */
function settlingAdmin() {
  const topics = new Map<string, number>();
  const calls: string[] = [];
  const admin = {
    listTopics: async () => [...topics.keys()],
    fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => {
      calls.push('metadata');
      return { topics: names.map((name) => ({ name, partitions: new Array(topics.get(name)).fill({}) })) };
    },
    describeConfigs: async () => ({
      resources: [{ resourceName: 'plays', configEntries: [{ configName: 'cleanup.policy', configValue: 'delete' }] }],
    }),
    createTopics: async ({ topics: created }: { topics: { topic: string; numPartitions: number }[] }) => {
      calls.push('create');
      for (const { topic, numPartitions } of created) topics.set(topic, numPartitions);
      // The broker created it, but waiting for its leaders fails once, as a settling broker does.
      throw Object.assign(new Error('This server does not host this topic-partition'), { retriable: true });
    },
    createPartitions: async () => undefined,
    alterConfigs: async () => undefined,
  };
  return { admin: admin as unknown as Admin, calls };
}

describe('applyTopics', () => {
  it('plans again from the cluster after a retriable failure and reports the first plan', async () => {
    const { admin, calls } = settlingAdmin();
    const changes = await applyTopics(admin, [spec]);
    expect(changes.map((change) => `${change.kind} ${change.topic}`)).toEqual(['create plays']);
    // Created once; the second plan found it in place and had nothing left to do.
    expect(calls).toEqual(['create', 'metadata']);
  });

  it('gives a failure that is not retriable to the caller at once', async () => {
    const { admin } = settlingAdmin();
    (admin as unknown as { listTopics: () => Promise<string[]> }).listTopics = async () => {
      throw new Error('not authorized');
    };
    await expect(applyTopics(admin, [spec])).rejects.toThrow('not authorized');
  });
});
