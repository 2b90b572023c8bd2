import { ConfigError } from '../core/errors';
import { decayedViewsProcessor } from '../processors/hotness/decayed-views';
import { rankHotnessProcessor } from '../processors/hotness/rank-hotness';
import { playbackSource } from '../processors/playback/tier-lanes';
import { avroTopic, defineTopology, sinkDescriptor } from '../runtime/dsl';
import type { PlaybackEvent } from '../schemas/types.generated';

/**
 * Content hotness (docs/cache.md, "Hotness"): how hot each content is, overall and per region, from
 * the playback stream — what caches use for their TTLs and what a warmer preloads.
 *
 *   playback.events ── session starts ── by-content (repartition) ── decayed views (store hotness-views)
 *     ── every 1 s, the contents that had views ── by-region (repartition) ── rank per region (store hotness-ranking)
 *     ── every 5 s, what changed: score 0–1, tier (top1 / top10 / tail), TTL hint ─┬→ content.hotness (compacted, Avro)
 *                                                                                  └→ Redis hotness hashes and rankings
 *
 * Views decay by event time with HOTNESS_HALF_LIFE_MS (default 10 minutes), so a replay computes the
 * same views. PLAYBACK_TOPIC, CONTENT_HOTNESS_TOPIC and CONTENT_HOTNESS_APP override the topics and
 * the application id (tests use their own); HOTNESS_EMIT_MS and HOTNESS_RANK_MS the two intervals.
 */
const topic = process.env.PLAYBACK_TOPIC ?? 'playback.events';
/** With PLAYBACK_LANES=tiers, the tier lanes too: every view counts, whichever lane carried it. */
const source = playbackSource(topic);
const hotnessTopic = process.env.CONTENT_HOTNESS_TOPIC ?? 'content.hotness';
const app = process.env.CONTENT_HOTNESS_APP ?? 'content-hotness';

function positiveMs(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ConfigError(`${name} must be a positive number of milliseconds, not "${raw}"`);
  return value;
}

const halfLifeMs = positiveMs('HOTNESS_HALF_LIFE_MS', 600_000);
const emitIntervalMs = positiveMs('HOTNESS_EMIT_MS', 1_000);
const rankIntervalMs = positiveMs('HOTNESS_RANK_MS', 5_000);

export default defineTopology(app, (b) => {
  b.addStore('hotness-views');
  b.addStore('hotness-ranking');
  const changes = b
    .stream<string, PlaybackEvent>(source.topics, {
      name: 'playback-events',
      valueSchema: 'PlaybackEvent',
      ...(source.lanes ? { lanes: source.lanes } : {}),
      timestamp: (event) => event.eventTimeMs,
    })
    .filter((event) => event.eventType === 'start', { name: 'session-starts' })
    .map((event) => ({ key: event.contentId, value: { region: event.region, eventTimeMs: event.eventTimeMs } }), {
      name: 'views',
    })
    .repartition({ name: 'by-content' })
    .process(decayedViewsProcessor('hotness-views', { halfLifeMs, emitIntervalMs }), {
      name: 'decayed-views',
      stores: ['hotness-views'],
      changesKey: true,
    })
    .repartition({ name: 'by-region' })
    .process(rankHotnessProcessor('hotness-ranking', { halfLifeMs, rankIntervalMs }), {
      name: 'rank',
      stores: ['hotness-ranking'],
      changesKey: true,
    });
  changes
    .mapValues((change) => change.hotness, { name: 'hotness-values' })
    .to(avroTopic(hotnessTopic, 'ContentHotness'));
  changes.to(sinkDescriptor('redis-hotness', 'hotness'));
});
