import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { KafkaAdmin } from '../admin';

/** The runtime's admin port over a connected kafkajs admin client (which the caller owns and disconnects). */
export function kafkajsAdmin(admin: Admin): KafkaAdmin {
  return {
    listTopics: () => admin.listTopics(),
    async partitionCounts(topics) {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      return new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
    },
    async createTopics(topics) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map(({ topic, partitions, config }) => ({
          topic,
          numPartitions: partitions,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        })),
      });
    },
    async topicConfig(topic, name) {
      const described = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
        includeSynonyms: false,
      });
      return described.resources[0]?.configEntries.find((entry) => entry.configName === name)?.configValue;
    },
    async endOffsets(topic) {
      const ends = await admin.fetchTopicOffsets(topic);
      return ends.map(({ partition, high, low }) => ({ partition, high: Number(high), low: Number(low) }));
    },
    async committedOffsets(groupId, topic) {
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = new Map<number, number>();
      for (const { partition, offset } of offsets[0]?.partitions ?? [])
        if (Number(offset) >= 0) committed.set(partition, Number(offset));
      return committed;
    },
  };
}
