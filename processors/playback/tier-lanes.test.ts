import { laneTopicOf, playbackSource } from './tier-lanes';

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

  it('refuses any other lane setting, naming it', () => {
    expect(() => playbackSource('plays', 'region')).toThrow('PLAYBACK_LANES must be "none" or "tiers", not "region"');
  });
});
