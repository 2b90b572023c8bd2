import { ConfigError } from '../../core/errors';
import type { Logger } from '../../core/logging';
import type { KafkaAdmin } from '../kafka/admin';
import { dlqTopic } from '../naming';
import type { Topology } from '../topology/topology';
import { DLQ_MAX_MESSAGE_BYTES } from './dead-letter-queue';

/** The largest changelog record (one store entry) the runtime's topics accept. */
export const MAX_STATE_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * Creates the application's own topics with the input's partition count: repartition topics
 * (delete), changelogs (compact) and the DLQ. Output topics are the user's to create (partitions,
 * retention): one that does not exist fails the start, so a typo does not fail at the first commit,
 * and so does a source topic that does not exist.
 */
export async function createInternalTopics(
  admin: KafkaAdmin,
  topology: Topology,
  applicationId: string,
  log: Logger,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const internal = new Set(topology.internalTopics);
  // A global table's topic is not an input of any task (global-tables.ts checks it).
  const inputs = new Set(topology.subtopologies.filter((sub) => !sub.global).flatMap((sub) => sub.sourceTopics));
  const absentInputs = [...inputs].filter((topic) => !internal.has(topic) && !existing.has(topic));
  if (absentInputs.length > 0) {
    // Never subscribe and wait: a consumer of a missing topic is assigned nothing and says nothing.
    throw new ConfigError(
      `topology "${topology.name}" reads topics that do not exist: ${absentInputs.join(', ')} (create them: reelstream topics apply)`,
    );
  }
  // As many partitions as the widest input.
  const partitions = Math.max(
    ...(await admin.partitionCounts(topology.sourceTopics.filter((topic) => inputs.has(topic)))).values(),
  );
  const absentOutputs = topology.sinkTopics.filter((topic) => !existing.has(topic));
  if (absentOutputs.length > 0) {
    throw new ConfigError(
      `topology "${topology.name}" writes to topics that do not exist: ${absentOutputs.join(', ')}`,
    );
  }
  const dlq = dlqTopic(applicationId);
  const missing = [...topology.internalTopics, dlq].filter((topic) => !existing.has(topic));
  if (missing.length === 0) return;
  await admin.createTopics(
    missing.map((topic) => ({
      topic,
      partitions: topic === dlq ? 1 : partitions,
      config: topicConfig(topic, dlq),
    })),
  );
  log.info({ topics: missing, partitions }, 'created internal topics');
}

/** The DLQ's max.message.bytes: a DLQ created earlier may have the broker's default limit. */
export async function deadLetterLimit(admin: KafkaAdmin, topic: string): Promise<number | undefined> {
  const value = Number(await admin.topicConfig(topic, 'max.message.bytes'));
  return value > 0 ? value : undefined;
}

function topicConfig(topic: string, dlq: string): Record<string, string> {
  if (topic === dlq)
    return {
      'retention.ms': String(14 * 24 * 3_600_000),
      // Larger than any source record by default, so a dead letter keeps its original bytes.
      'max.message.bytes': String(DLQ_MAX_MESSAGE_BYTES),
    };
  if (topic.endsWith('-changelog'))
    return {
      'cleanup.policy': 'compact',
      // A window aggregate with exact distinct counts is one record: a popular title's minute can
      // outgrow the broker's 1 MB default.
      'max.message.bytes': String(MAX_STATE_RECORD_BYTES),
    };
  return { 'cleanup.policy': 'delete' };
}
