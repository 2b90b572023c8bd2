import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { retry } from '../../core/retry';
import { planTopicChanges, type ExistingTopic, type TopicChange, type TopicSpec } from './topics';

/** Reads partition counts and the managed configs of the spec'd topics that exist. */
async function describeExisting(admin: Admin, specs: TopicSpec[]): Promise<Map<string, ExistingTopic>> {
  const names = new Set(await admin.listTopics());
  const present = specs.filter((spec) => names.has(spec.name));
  const existing = new Map<string, ExistingTopic>();
  if (present.length === 0) return existing;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.name) });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((spec) => ({
      type: ConfigResourceTypes.TOPIC,
      name: spec.name,
      configNames: Object.keys(spec.configs),
    })),
  });
  for (const topic of metadata.topics) {
    const resource = described.resources.find((entry) => entry.resourceName === topic.name);
    const configs: Record<string, string> = {};
    for (const entry of resource?.configEntries ?? []) configs[entry.configName] = entry.configValue;
    existing.set(topic.name, { partitions: topic.partitions.length, configs });
  }
  return existing;
}

/**
 * Makes the cluster match the specs: creates missing topics, adds partitions, sets managed configs,
 * and returns what it planned. Running it again changes nothing (the plan comes back empty). A broker
 * still settling topics it has just created can answer with retriable errors (UNKNOWN_TOPIC_OR_PARTITION
 * while leaders are elected): the plan is then made again from what the cluster holds and applied, a
 * few times, before the error reaches the caller.
 */
export async function applyTopics(admin: Admin, specs: TopicSpec[], dryRun = false): Promise<TopicChange[]> {
  let planned: TopicChange[] | undefined;
  await retry(
    async () => {
      const changes = planTopicChanges(specs, await describeExisting(admin, specs));
      planned ??= changes;
      if (!dryRun) await applyChanges(admin, specs, changes);
    },
    {
      maxAttempts: 5,
      initialDelayMs: 500,
      retriable: (error) => (error as { retriable?: boolean }).retriable === true,
    },
  );
  return planned ?? [];
}

async function applyChanges(admin: Admin, specs: TopicSpec[], changes: TopicChange[]): Promise<void> {
  const creates = changes.filter((change) => change.kind === 'create');
  if (creates.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: creates.map((change) => ({
        topic: change.topic,
        numPartitions: change.partitions,
        replicationFactor: -1, // the broker's default.replication.factor
        configEntries: Object.entries(change.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  const growths = changes.filter((change) => change.kind === 'add-partitions');
  if (growths.length > 0) {
    await admin.createPartitions({
      topicPartitions: growths.map((change) => ({ topic: change.topic, count: change.to })),
    });
  }
  for (const change of changes) {
    if (change.kind !== 'alter-configs') continue;
    // AlterConfigs replaces a topic's dynamic configs, so send every managed key, changed or not.
    const spec = specs.find((candidate) => candidate.name === change.topic) as TopicSpec;
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: change.topic,
          configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  }
}

export function describeChange(change: TopicChange): string {
  switch (change.kind) {
    case 'create':
      return `created ${change.topic} (${change.partitions} partitions, ${Object.entries(change.configs)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ')})`;
    case 'add-partitions':
      return `grew ${change.topic} from ${change.from} to ${change.to} partitions`;
    case 'alter-configs':
      return `set ${change.topic} ${Object.entries(change.changes)
        .map(([key, { from, to }]) => `${key}: ${from ?? '(default)'} -> ${to}`)
        .join(', ')}`;
    case 'cannot-shrink':
      return `left ${change.topic} at ${change.actual} partitions (spec says ${change.wanted}; Kafka cannot remove partitions)`;
  }
}
