import { contentMetadata } from '../../schemas/testing/content-metadata';
import { playbackEvent } from '../../schemas/testing/playback-event';
import { availableIn, checkRights } from './content-rights';

const HOUR = 3_600_000;
const metadata = contentMetadata({
  availability: [
    { region: 'eu-west', startMs: 10 * HOUR, endMs: 20 * HOUR },
    { region: 'us-east', startMs: 0, endMs: null },
  ],
});

describe('regional rights', () => {
  it('allows a region inside one of its windows, from the start up to (not including) the end', () => {
    expect(availableIn(metadata, 'eu-west', 10 * HOUR)).toBe(true);
    expect(availableIn(metadata, 'eu-west', 20 * HOUR - 1)).toBe(true);
    expect(availableIn(metadata, 'eu-west', 20 * HOUR)).toBe(false);
    expect(availableIn(metadata, 'eu-west', 10 * HOUR - 1)).toBe(false);
  });

  it('treats a window without an end as open, and a region without a window as not licensed', () => {
    expect(availableIn(metadata, 'us-east', 1_000 * HOUR)).toBe(true);
    expect(availableIn(metadata, 'ap-south', 15 * HOUR)).toBe(false);
  });

  it('flags an event outside rights at its event time, and never one of content the catalog does not know', () => {
    const event = playbackEvent({ region: 'eu-west', eventTimeMs: 21 * HOUR });
    expect(checkRights(event, metadata).outsideRights).toBe(true);
    expect(checkRights({ ...event, eventTimeMs: 15 * HOUR }, metadata).outsideRights).toBe(false);
    expect(checkRights(event, null).outsideRights).toBe(false);
    expect(checkRights(event, null)).toMatchObject(event);
  });
});
