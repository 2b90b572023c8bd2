import type { WindowResult } from '../processors/api/record';
import { catalogTableOptions } from '../processors/catalog/catalog-table';
import { labelsOf } from '../processors/playback/content-labels';
import { checkRights } from '../processors/playback/content-rights';
import { PlaybackWindowState } from '../processors/playback/playback-window-state';
import { requireContentKey, tierLaneTopic } from '../processors/playback/tier-lanes';
import { defineTopology, redisWindows, tumbling } from '../runtime/dsl';
import type { ContentMetadata, PlaybackEvent } from '../schemas/types.generated';

/**
 * Premium's own live view: the premium lane → per-content 1-minute statistics of premium viewers in
 * Redis (`content-premium`), within one hop. playback-analytics also counts premium, in every view and
 * the rollups, but through two transactional hops (by content, then windows) on an application that
 * carries every tier; under overload its results come late for all. This application reads nothing
 * but the premium lane, so the lower tiers' backlog never stands before it:
 *
 *   playback.events.premium (keyed by content id) → check-rights (catalog) → 1-minute windows per content → Redis content-premium (1m)
 *
 * - One hop: producers key the premium lane by content id (laneKeyOf, processors/playback/tier-lanes.ts), so its
 *   partitions already hold each content whole and no repartition is needed. A record keyed otherwise
 *   would be counted under the wrong key: it goes to the DLQ naming both ids (playback-analytics still counts it).
 * - A 20 ms commit cycle: results reach Redis at commits.
 * - `service: 'priority'`: `reelstream run playback-premium playback-analytics playback-history` runs
 *   it in a process of its own and the others at a lower CPU priority (docs/overload.md).
 * Never sampled nor shed, like premium everywhere. Figures follow the same definitions as every other
 * view (processors/playback/playback-stats.ts): `content-premium` equals `content-tier`'s premium entries.
 * PLAYBACK_TOPIC and CATALOG_TOPIC name the topics; PLAYBACK_PREMIUM_APP the application id (default
 * `<PLAYBACK_APP>-premium`, so a test's applications share their prefix); PLAYBACK_GRACE the grace (90 s, as
 * playback-analytics on tier lanes).
 */
const topic = process.env.PLAYBACK_TOPIC ?? 'playback.events';
const catalogTopic = process.env.CATALOG_TOPIC ?? 'catalog.content';
const app = process.env.PLAYBACK_PREMIUM_APP ?? `${process.env.PLAYBACK_APP ?? 'playback-analytics'}-premium`;
const grace = (process.env.PLAYBACK_GRACE ?? '90s') as `${number}s`;

export default defineTopology(
  app,
  (b) => {
    const catalog = b.globalTable<string, ContentMetadata>(catalogTopic, { store: 'catalog', ...catalogTableOptions });
    b.stream<string, PlaybackEvent>(tierLaneTopic(topic, 'premium'), {
      name: 'premium-events',
      valueSchema: 'PlaybackEvent',
      timestamp: (event) => event.eventTimeMs,
    })
      .peek(requireContentKey, { name: 'require-content-key' })
      .leftJoin(catalog, (event) => event.contentId, checkRights, { name: 'check-rights' })
      // Keyed by content already: grouped where it was read, without a repartition.
      .groupByKey({ name: 'by-content' })
      .windowedBy(tumbling('1m').grace(grace))
      .aggregate(
        () => new PlaybackWindowState({ breakdowns: false }),
        (_contentId, event, stats) => stats.add(event, undefined),
        { name: 'premium-minute', store: 'premium-minute', emit: { updates: '1s', final: false } },
      )
      .leftJoin(
        catalog,
        (_result, window) => window.key,
        (result: WindowResult<PlaybackWindowState>, metadata) => ({
          ...result.aggregate.summary(),
          ...labelsOf(metadata),
        }),
        { name: 'premium-summary' },
      )
      .to(redisWindows('content-premium', '1m'));
  },
  { service: 'priority', commitInterval: '20ms' },
);
