import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { KafkaAdmin } from '../admin';
import { step } from './errors';

/**
 * The runtime's admin port over a connected kafkajs admin client (which the caller owns and
 * disconnects). Every failure is classified (errors.ts), so the runtime's retrier waits out what is
 * transient — e.g. a topic just created whose metadata the broker does not serve yet — instead of
 * stopping on a raw kafkajs error.
 */
export function kafkajsAdmin(admin: Admin): KafkaAdmin {
  return {
    listTopics: () => step('list topics', () => admin.listTopics()),
    async partitionCounts(topics) {
      const metadata = await step('fetch topic metadata', () => admin.fetchTopicMetadata({ topics: [...topics] }));
      return new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
    },
    async createTopics(topics) {
      await step('create topics', () =>
        admin.createTopics({
          waitForLeaders: true,
          topics: topics.map(({ topic, partitions, config }) => ({
            topic,
            numPartitions: partitions,
            configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
          })),
        }),
      );
    },
    async topicConfig(topic, name) {
      const described = await step('describe topic config', () =>
        admin.describeConfigs({
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
          includeSynonyms: false,
        }),
      );
      return described.resources[0]?.configEntries.find((entry) => entry.configName === name)?.configValue;
    },
    async endOffsets(topic) {
      const ends = await step('fetch topic offsets', () => admin.fetchTopicOffsets(topic));
      return ends.map(({ partition, high, low }) => ({ partition, high: Number(high), low: Number(low) }));
    },
    async committedOffsets(groupId, topic) {
      const offsets = await step('fetch committed offsets', () => admin.fetchOffsets({ groupId, topics: [topic] }));
      const committed = new Map<number, number>();
      for (const { partition, offset } of offsets[0]?.partitions ?? [])
        if (Number(offset) >= 0) committed.set(partition, Number(offset));
      return committed;
    },
  };
}
