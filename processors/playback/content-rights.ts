import type { ContentMetadata, PlaybackEvent } from '../../schemas/types.generated';

/**
 * Regional rights: where and when a content may be played, as the catalog says (ContentMetadata's
 * availability windows per region; a region absent from them may not play it at all).
 */

/** A playback event as analytics counts it: the event, checked against the catalog when it was processed. */
export interface CheckedPlaybackEvent extends PlaybackEvent {
  /**
   * The catalog knows the content, and the event's region was not in one of its availability
   * windows at the event's time. False when the catalog does not know the content: no rights
   * information is not a violation.
   */
  outsideRights: boolean;
}

/** Whether `region` may play the content at `atMs`: inside a window [startMs, endMs) for that region. */
export function availableIn(metadata: Pick<ContentMetadata, 'availability'>, region: string, atMs: number): boolean {
  return metadata.availability.some(
    (window) => window.region === region && window.startMs <= atMs && (window.endMs === null || atMs < window.endMs),
  );
}

/** The event with its rights flag, against the catalog's entry for its content (null: unknown content). */
export function checkRights<E extends PlaybackEvent>(
  event: E,
  metadata: ContentMetadata | null,
): E & CheckedPlaybackEvent {
  return { ...event, outsideRights: metadata !== null && !availableIn(metadata, event.region, event.eventTimeMs) };
}
