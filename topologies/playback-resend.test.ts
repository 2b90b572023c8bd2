import { TopologyTestDriver } from '../runtime/testing/topology-test-driver';
import { playbackEvent } from '../schemas/testing/playback-event';
import playbackAnalytics from './playback-analytics';

/** After Redis lost its data, every Redis view of the pipeline gets the current value of each open window again. */
it('resends every open window of every Redis view when a sink lost its data', () => {
  const driver = new TopologyTestDriver(playbackAnalytics, { wallClockStartMs: 0 });
  const start = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);
  const topic = 'playback.events';
  driver.pipeInputs(
    topic,
    [0, 5, 12, 25].map((second, i) => ({
      key: `s${i}`,
      value: playbackEvent({
        eventId: `e${i}`,
        sessionId: `s${i}`,
        contentId: 'c1',
        eventTimeMs: start + second * 1000,
      }),
    })),
  );
  driver.commit();
  const sent = (name: string) => driver.sinkRecords<{ start: number }>(name).length;
  const counts = { tenSeconds: sent('content-10s'), minute: sent('content-1m') };
  driver.resendOpenResults();
  const resent = (name: string, from: number) =>
    new Set(
      driver
        .sinkRecords<{ start: number }>(name)
        .slice(from)
        .map((record) => (record.key.start - start) / 1000),
    );
  // The open 10-second windows (0 s, 10 s, 20 s) and the open minute of c1.
  expect(resent('content-10s', counts.tenSeconds)).toEqual(new Set([0, 10, 20]));
  expect(resent('content-1m', counts.minute)).toEqual(new Set([0]));
});
