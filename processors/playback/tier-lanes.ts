import { ConfigError, ReelstreamError } from '../../core/errors';
import type { PlaybackEvent, ViewerTier } from '../../schemas/types.generated';

/**
 * Playback by viewer tier as priority lanes (docs/overload.md): producers that split the stream
 * write each event to its tier's lane, `<topic>.<tier>` (`playback.events.premium`, …), keyed as
 * laneKeyOf says, and every
 * topology that reads playback reads the lanes with the base topic as one stream. The runtime
 * pauses lower lanes first under backpressure and serves premium last paused and first resumed;
 * the base topic ranks with standard, so a producer that does not split loses nothing.
 */
export const VIEWER_TIERS: readonly ViewerTier[] = ['premium', 'standard', 'basic'];

export const TIER_PRIORITY: Readonly<Record<ViewerTier, number>> = { premium: 2, standard: 1, basic: 0 };

/** Where a producer that splits by tier writes an event of `tier`. */
export function tierLaneTopic(topic: string, tier: ViewerTier): string {
  return `${topic}.${tier}`;
}

export function laneTopicOf(topic: string, event: Pick<PlaybackEvent, 'viewerTier'>): string {
  return tierLaneTopic(topic, event.viewerTier);
}

/**
 * The key a producer gives an event on its lane: the content id on the premium lane, so that its
 * partitions hold each content whole and premium's own view (topologies/playback-premium.ts) needs no
 * repartition; the session id elsewhere (and on the base topic), as before.
 */
export function laneKeyOf(event: Pick<PlaybackEvent, 'viewerTier' | 'contentId' | 'sessionId'>): string {
  return event.viewerTier === 'premium' ? event.contentId : event.sessionId;
}

/** A record of the premium lane keyed by something else than its content id (see laneKeyOf). */
export class LaneKeyError extends ReelstreamError {
  constructor(key: unknown, contentId: string) {
    super(
      `premium lane record keyed "${String(key)}", not by its content id "${contentId}": premium's own view counts content-keyed records only (producers key the premium lane by content id)`,
      { retriable: false },
    );
  }
}

/** Refuses (to the DLQ, naming both ids) a premium lane record not keyed by its content id. */
export function requireContentKey(event: Pick<PlaybackEvent, 'contentId'>, key: string | null): void {
  if (key !== event.contentId) throw new LaneKeyError(key, event.contentId);
}

export interface PlaybackSource {
  topics: string[];
  /** Priority per topic, when read as lanes. */
  lanes?: Record<string, number>;
}

/**
 * The topics a playback topology reads: the base topic alone (`none`), or with its tier lanes
 * (`tiers`). `PLAYBACK_LANES` chooses; anything else is a configuration error.
 */
export function playbackSource(topic: string, lanes = process.env.PLAYBACK_LANES ?? 'none'): PlaybackSource {
  if (lanes === 'none') return { topics: [topic] };
  if (lanes !== 'tiers') throw new ConfigError(`PLAYBACK_LANES must be "none" or "tiers", not "${lanes}"`);
  const priorities: Record<string, number> = { [topic]: TIER_PRIORITY.standard };
  for (const tier of VIEWER_TIERS) priorities[tierLaneTopic(topic, tier)] = TIER_PRIORITY[tier];
  return { topics: Object.keys(priorities), lanes: priorities };
}
