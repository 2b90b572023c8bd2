import { dlqTopic } from '../../runtime/naming';
import { tierLaneTopic, VIEWER_TIERS } from '../../processors/playback/tier-lanes';

/**
 * The pipeline's topics as data. `reelstream topics apply` makes the cluster match this list.
 * Changelog and repartition topics are not here: the runtime derives and creates them per topology.
 */
export interface TopicSpec {
  name: string;
  partitions: number;
  /** Broker-side topic configs; only those named here are managed. */
  configs: Record<string, string>;
  description: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The applications (topologies) of the pipeline; each gets a DLQ. */
export const PIPELINE_APPLICATIONS = [
  'playback-analytics',
  'playback-analytics-history',
  'catalog-sync',
  'cache-invalidation',
  'content-hotness',
] as const;

export const PLAYBACK_EVENTS_TOPIC = 'playback.events';
export const PLAYBACK_ROLLUPS_TOPIC = 'playback.minute-rollups';
export const PLAYBACK_SAMPLE_LEDGER_TOPIC = 'playback.sample-ledger';
export const CATALOG_CONTENT_TOPIC = 'catalog.content';
export const CACHE_INVALIDATION_TOPIC = 'cache.invalidation';
export const CONTENT_HOTNESS_TOPIC = 'content.hotness';

export function pipelineTopics(): TopicSpec[] {
  return [
    {
      name: PLAYBACK_EVENTS_TOPIC,
      partitions: 6,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) },
      description: 'player events keyed by session id',
    },
    ...VIEWER_TIERS.map((tier) => ({
      name: tierLaneTopic(PLAYBACK_EVENTS_TOPIC, tier),
      partitions: 6,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) },
      description: `the ${tier} viewers' lane of player events, keyed by ${tier === 'premium' ? "content id (premium's own view needs no repartition)" : 'session id'} (read with PLAYBACK_LANES=tiers)`,
    })),
    {
      name: PLAYBACK_ROLLUPS_TOPIC,
      partitions: 6,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) },
      description:
        "each minute's final playback aggregates (Avro PlaybackMinuteRollup), from playback-analytics to playback-analytics-history",
    },
    {
      name: PLAYBACK_SAMPLE_LEDGER_TOPIC,
      partitions: 3,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) },
      description:
        'what the overload sampler kept, sampled out and shed per minute and tier (Avro SampleLedgerEntry), from playback-analytics to playback-analytics-history',
    },
    {
      name: CATALOG_CONTENT_TOPIC,
      partitions: 3,
      // Latest version per content id; a null value (tombstone) deletes the content.
      configs: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' },
      description: 'content metadata keyed by content id (compacted)',
    },
    {
      name: CACHE_INVALIDATION_TOPIC,
      partitions: 3,
      configs: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' },
      description: 'cache invalidations keyed by cache key or content id (compacted)',
    },
    {
      name: CONTENT_HOTNESS_TOPIC,
      partitions: 3,
      configs: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' },
      description: 'hotness score, tier and TTL hint per content and region, keyed contentId|region (compacted)',
    },
    {
      name: 'content-views.starts-per-minute',
      partitions: 3,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': String(DAY_MS) },
      description: 'output of the example topology content-views: titled starts per content and minute',
    },
    ...PIPELINE_APPLICATIONS.map((application) => ({
      name: dlqTopic(application),
      partitions: 1,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': String(14 * DAY_MS) },
      description: `records ${application} could not decode or process, with error headers`,
    })),
  ];
}

export type TopicChange =
  | { kind: 'create'; topic: string; partitions: number; configs: Record<string, string> }
  | { kind: 'add-partitions'; topic: string; from: number; to: number }
  | { kind: 'alter-configs'; topic: string; changes: Record<string, { from: string | undefined; to: string }> }
  | { kind: 'cannot-shrink'; topic: string; actual: number; wanted: number };

export interface ExistingTopic {
  partitions: number;
  configs: Record<string, string>;
}

/** What must change for the cluster to match the specs: a pure diff, so it is unit-testable. */
export function planTopicChanges(specs: TopicSpec[], existing: Map<string, ExistingTopic>): TopicChange[] {
  const changes: TopicChange[] = [];
  for (const spec of specs) {
    const current = existing.get(spec.name);
    if (!current) {
      changes.push({ kind: 'create', topic: spec.name, partitions: spec.partitions, configs: spec.configs });
      continue;
    }
    if (current.partitions < spec.partitions) {
      changes.push({ kind: 'add-partitions', topic: spec.name, from: current.partitions, to: spec.partitions });
    } else if (current.partitions > spec.partitions) {
      // Kafka cannot remove partitions; keyed data would move anyway. Say so instead of failing.
      changes.push({ kind: 'cannot-shrink', topic: spec.name, actual: current.partitions, wanted: spec.partitions });
    }
    const configChanges: Record<string, { from: string | undefined; to: string }> = {};
    for (const [key, value] of Object.entries(spec.configs)) {
      if (current.configs[key] !== value) configChanges[key] = { from: current.configs[key], to: value };
    }
    if (Object.keys(configChanges).length > 0) {
      changes.push({ kind: 'alter-configs', topic: spec.name, changes: configChanges });
    }
  }
  return changes;
}
