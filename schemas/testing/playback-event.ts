import type { PlaybackEvent } from '../types.generated';

/**
 * A valid PlaybackEvent for tests: a heartbeat of session s1 (viewer v1) on content c1 at time 0,
 * with every other field neutral; a test states only the fields it is about.
 */
export function playbackEvent(overrides: Partial<PlaybackEvent> = {}): PlaybackEvent {
  return {
    eventId: 'e',
    sessionId: 's1',
    viewerId: 'v1',
    contentId: 'c1',
    liveEventId: null,
    eventType: 'heartbeat',
    eventTimeMs: 0,
    positionMs: 0,
    bitrateKbps: 0,
    bufferingMs: 0,
    startupTimeMs: null,
    errorCode: null,
    deviceType: 'tv',
    region: 'eu',
    cdnEdge: 'edge-1',
    viewerTier: 'premium',
    appVersion: '1.0',
    ...overrides,
  };
}
