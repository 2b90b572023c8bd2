import { laneKeyOf, laneTopicOf, playbackSource, requireContentKey } from './tier-lanes';

describe('tier lanes', () => {
  it('reads the base topic alone by default', () => {
    expect(playbackSource('plays', 'none')).toEqual({ topics: ['plays'] });
  });

  it('reads the base topic and one lane per tier, premium highest and basic lowest', () => {
    const source = playbackSource('plays', 'tiers');
    expect(source.topics).toEqual(['plays', 'plays.premium', 'plays.standard', 'plays.basic']);
    expect(source.lanes).toEqual({ plays: 1, 'plays.premium': 2, 'plays.standard': 1, 'plays.basic': 0 });
  });

  it('names an event’s lane by its viewer tier', () => {
    expect(laneTopicOf('playback.events', { viewerTier: 'premium' })).toBe('playback.events.premium');
  });

  it('keys the premium lane by content id and the other lanes by session id', () => {
    const event = { contentId: 'c1', sessionId: 's1' };
    expect(laneKeyOf({ ...event, viewerTier: 'premium' })).toBe('c1');
    expect(laneKeyOf({ ...event, viewerTier: 'standard' })).toBe('s1');
    expect(laneKeyOf({ ...event, viewerTier: 'basic' })).toBe('s1');
  });

  it('refuses a premium record keyed otherwise, naming both ids', () => {
    expect(() => requireContentKey({ contentId: 'c1' }, 'c1')).not.toThrow();
    expect(() => requireContentKey({ contentId: 'c1' }, 's1')).toThrow(
      'premium lane record keyed "s1", not by its content id "c1"',
    );
    expect(() => requireContentKey({ contentId: 'c1' }, null)).toThrow('keyed "null"');
  });

  it('refuses any other lane setting, naming it', () => {
    expect(() => playbackSource('plays', 'region')).toThrow('PLAYBACK_LANES must be "none" or "tiers", not "region"');
  });
});
