import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { ConfigError } from '../../core/errors';
import type { Logger } from '../../core/logging';
import { dlqTopic } from '../naming';
import type { Topology } from '../topology/topology';
import { DLQ_MAX_MESSAGE_BYTES } from './dead-letter-queue';

/** The largest changelog record (one store entry) the runtime's topics accept. */
export const MAX_STATE_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * Creates the application's own topics with the input's partition count: repartition topics
 * (delete), changelogs (compact) and the DLQ. Output topics are the user's to create (partitions,
 * retention): one that does not exist fails the start, so a typo does not fail at the first commit.
 */
export async function createInternalTopics(
  admin: Admin,
  topology: Topology,
  applicationId: string,
  log: Logger,
): Promise<void> {
  const metadata = await admin.fetchTopicMetadata({ topics: [...topology.sourceTopics] });
  const partitions = Math.max(...metadata.topics.map((topic) => topic.partitions.length));
  const existing = new Set(await admin.listTopics());
  const absentOutputs = topology.sinkTopics.filter((topic) => !existing.has(topic));
  if (absentOutputs.length > 0) {
    throw new ConfigError(
      `topology "${topology.name}" writes to topics that do not exist: ${absentOutputs.join(', ')}`,
    );
  }
  const dlq = dlqTopic(applicationId);
  const missing = [...topology.internalTopics, dlq].filter((topic) => !existing.has(topic));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: topic === dlq ? 1 : partitions,
      configEntries:
        topic === dlq
          ? [
              { name: 'retention.ms', value: String(14 * 24 * 3_600_000) },
              // Larger than any source record by default, so a dead letter keeps its original bytes.
              { name: 'max.message.bytes', value: String(DLQ_MAX_MESSAGE_BYTES) },
            ]
          : topic.endsWith('-changelog')
            ? [
                { name: 'cleanup.policy', value: 'compact' },
                // A window aggregate with exact distinct counts is one record: a popular title's
                // minute can outgrow the broker's 1 MB default.
                { name: 'max.message.bytes', value: String(MAX_STATE_RECORD_BYTES) },
              ]
            : [{ name: 'cleanup.policy', value: 'delete' }],
    })),
  });
  log.info({ topics: missing, partitions }, 'created internal topics');
}

/** The DLQ's max.message.bytes: a DLQ created earlier may have the broker's default limit. */
export async function deadLetterLimit(admin: Admin, topic: string): Promise<number | undefined> {
  const described = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    includeSynonyms: false,
  });
  const value = described.resources[0]?.configEntries.find((entry) => entry.configName === 'max.message.bytes');
  return value && Number(value.configValue) > 0 ? Number(value.configValue) : undefined;
}
