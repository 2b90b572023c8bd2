import type { StreamRecord, WindowResult, Windowed } from '../../processors/api/record';
import type { SessionResult } from '../../processors/session-window-aggregate';
import { hopping, session, tumbling } from '../../processors/windows';
import { TopologyTestDriver } from '../testing/topology-test-driver';
import { defineTopology } from './define-topology';
import type { EmitOptions } from './store-options';

type View = { contentId: string; at: number };
const MINUTE = 60_000;
const view = (contentId: string, at: number) => ({ key: `session-${at}`, value: { contentId, at } });
const summary = (records: StreamRecord<Windowed<string>, WindowResult<number>>[]) =>
  records.map((r) => `${r.key.key}@${r.key.start / MINUTE}m:${r.value.emit}=${r.value.aggregate}`);

function countPerMinute(emit: EmitOptions, grace: '0ms' | '30s' = '30s') {
  return defineTopology('views', (b) => {
    b.stream<string, View>('views', { timestamp: (v) => v.at })
      .groupBy((v) => v.contentId)
      .windowedBy(tumbling('1m').grace(grace))
      .count({ store: 'views-per-minute', emit })
      .to('counts');
  });
}

describe('tumbling windows', () => {
  it('sends the current value of every open window again when a sink lost them, and nothing already closed', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: '0ms', final: true }));
    driver.pipeInputs('views', [view('a', 10_000), view('a', 20_000), view('b', 70_000), view('b', 100_000)]);
    driver.readOutput('counts');
    driver.resendOpenResults();
    // Window 0 closed at stream time 90 s (its final went out); the open window 1 is sent again.
    expect(summary(driver.readOutput('counts'))).toEqual(['b@1m:update=2']);
  });

  it('closes every window, within grace or not, when a bounded input is read to its end', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: false, final: true }));
    driver.pipeInputs('views', [view('a', 10_000), view('a', 65_000), view('b', 70_000)]);
    // Stream time 70 s: window 0 waits for its grace (until 90 s), window 1 is open.
    expect(driver.readOutput('counts')).toEqual([]);
    driver.advanceStreamTime(120_000 + 7 * 24 * 3_600_000);
    expect(summary(driver.readOutput('counts')).sort()).toEqual(['a@0m:final=1', 'a@1m:final=1', 'b@1m:final=1']);
    // Moving it back does nothing.
    driver.advanceStreamTime(0);
    expect(driver.readOutput('counts')).toEqual([]);
    expect(driver.streamTime).toBe(120_000 + 7 * 24 * 3_600_000);
  });

  it('sends an event time far ahead of the wall clock to the DLQ without moving stream time', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: false, final: true }), {
      wallClockStartMs: 100_000,
      maxEventTimeAheadMs: 60_000,
    });
    driver.pipeInputs('views', [view('a', 10_000), view('a', 10 * 365 * 24 * 3_600_000), view('a', 20_000)]);
    expect(driver.streamTime).toBe(20_000);
    expect(driver.deadLetters().map((letter) => letter.kind)).toEqual(['future-event-time']);
    expect(driver.deadLetters()[0]?.reason).toMatch(/ahead of the wall clock/);
    driver.pipeInput('views', view('c', 95_000));
    expect(summary(driver.readOutput('counts'))).toEqual(['a@0m:final=2']);
  });

  it('counts per key and window, accepts out-of-order records within grace, emits one final per window', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: false, final: true }));
    driver.pipeInputs('views', [
      view('a', 10_000),
      view('b', 20_000),
      view('a', 65_000), // next window; stream time 65 s
      view('a', 50_000), // out of order but within grace (window 0 closes at 60 + 30 s)
    ]);
    expect(driver.readOutput('counts')).toEqual([]);
    driver.pipeInput('views', view('c', 90_000)); // stream time 90 s: window 0 closes
    expect(summary(driver.readOutput('counts'))).toEqual(['a@0m:final=2', 'b@0m:final=1']);
    driver.pipeInput('views', view('c', 150_000)); // window 1 closes
    expect(summary(driver.readOutput('counts'))).toEqual(['a@1m:final=1', 'c@1m:final=1']);
    expect(driver.deadLetters()).toEqual([]);
  });

  it('reports a record after end + grace as late, with the reason, and does not count it', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: false, final: true }));
    driver.pipeInputs('views', [view('a', 10_000), view('a', 95_000)]);
    expect(summary(driver.readOutput('counts'))).toEqual(['a@0m:final=1']);
    driver.pipeInput('views', view('a', 59_000));
    expect(driver.metrics.late).toBe(1);
    const [letter] = driver.deadLetters();
    expect(letter).toMatchObject({
      kind: 'late',
      node: 'window-aggregate-0003',
      record: { key: 'a', timestamp: 59_000 },
    });
    expect(letter?.reason).toMatch(/closed \(stream time 95000, grace 30000 ms\)/);
    expect(driver.readOutput('counts')).toEqual([]);
  });

  it('with zero grace a window closes as soon as stream time reaches its end', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: false, final: true }, '0ms'));
    driver.pipeInputs('views', [view('a', 1_000), view('a', 60_000)]);
    expect(summary(driver.readOutput('counts'))).toEqual(['a@0m:final=1']);
  });

  it('closes windows when other keys advance stream time (no record for the key needed)', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: false, final: true }));
    driver.pipeInputs('views', [view('a', 1_000), view('z', 200_000)]);
    expect(summary(driver.readOutput('counts'))).toEqual(['a@0m:final=1']);
  });

  it('emit updates on every record (updates: 0)', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: 0, final: false }));
    driver.pipeInputs('views', [view('a', 1_000), view('a', 2_000), view('b', 3_000)]);
    expect(summary(driver.readOutput('counts'))).toEqual(['a@0m:update=1', 'a@0m:update=2', 'b@0m:update=1']);
  });

  it('rate-limited updates: the latest value of each changed window once per interval of wall-clock time', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: '1s', final: true }));
    driver.pipeInputs('views', [view('a', 1_000), view('a', 2_000), view('a', 3_000), view('b', 4_000)]);
    expect(driver.readOutput('counts')).toEqual([]);
    driver.advanceWallClockTime(1_000);
    expect(summary(driver.readOutput('counts'))).toEqual(['a@0m:update=3', 'b@0m:update=1']);
    driver.advanceWallClockTime(1_000);
    expect(driver.readOutput('counts')).toEqual([]); // nothing changed
    driver.pipeInput('views', view('b', 5_000));
    driver.advanceWallClockTime(1_000);
    expect(summary(driver.readOutput('counts'))).toEqual(['b@0m:update=2']);
    driver.pipeInput('views', view('c', 100_000)); // closes window 0
    expect(summary(driver.readOutput('counts'))).toEqual(['a@0m:final=3', 'b@0m:final=2']);
  });

  it('a commit sends the held-back updates of the state it commits (a crash after it loses none)', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: '1s', final: false }));
    driver.pipeInputs('views', [view('a', 1_000), view('a', 2_000), view('b', 4_000)]);
    expect(driver.readOutput('counts')).toEqual([]);
    driver.commit();
    expect(summary(driver.readOutput('counts'))).toEqual(['a@0m:update=2', 'b@0m:update=1']);
    expect(driver.changelog('views-per-minute')).toHaveLength(2);
    driver.advanceWallClockTime(1_000);
    expect(driver.readOutput('counts')).toEqual([]); // already sent with the commit
  });

  it('removes closed windows from the store, so state stays bounded', () => {
    const driver = new TopologyTestDriver(countPerMinute({ updates: false, final: true }));
    driver.pipeInputs('views', [view('a', 1_000), view('b', 2_000)]);
    expect(driver.store('views-per-minute').size).toBe(2);
    driver.pipeInput('views', view('c', 100_000));
    expect(driver.store('views-per-minute').size).toBe(1);
  });

  it('aggregate with an initializer and aggregator, into a named store', () => {
    const topology = defineTopology('watch', (b) => {
      b.stream<string, { contentId: string; at: number; watchedMs: number }>('plays', { timestamp: (v) => v.at })
        .groupBy((v) => v.contentId)
        .windowedBy(tumbling('1m'))
        .aggregate(
          () => ({ plays: 0, watchedMs: 0 }),
          (_key, play, total) => ({ plays: total.plays + 1, watchedMs: total.watchedMs + play.watchedMs }),
          { store: 'watch-time', emit: { updates: false, final: true } },
        )
        .to('out');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs('plays', [
      { key: 's', value: { contentId: 'a', at: 1_000, watchedMs: 500 } },
      { key: 's', value: { contentId: 'a', at: 2_000, watchedMs: 700 } },
      { key: 's', value: { contentId: 'a', at: 61_000, watchedMs: 1 } },
    ]);
    expect(driver.readOutput('out').map((r) => r.value)).toEqual([
      { aggregate: { plays: 2, watchedMs: 1_200 }, emit: 'final' },
    ]);
  });
});

describe('hopping windows', () => {
  it('counts a record in every overlapping window, each closing on its own', () => {
    const topology = defineTopology('hop', (b) => {
      b.stream<string, View>('views', { timestamp: (v) => v.at })
        .groupBy((v) => v.contentId)
        .windowedBy(hopping('2m').advanceBy('1m').grace('0ms'))
        .count({ emit: { updates: false, final: true } })
        .to('counts');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs('views', [view('a', 30_000), view('a', 90_000)]);
    // window [-1m, 1m) closes at stream time 60 s
    expect(summary(driver.readOutput('counts'))).toEqual(['a@-1m:final=1']);
    driver.pipeInput('views', view('a', 180_000));
    expect(summary(driver.readOutput('counts'))).toEqual(['a@0m:final=2', 'a@1m:final=1']);
  });

  it('a record whose windows are partly closed updates the open ones and is not late', () => {
    const topology = defineTopology('hop', (b) => {
      b.stream<string, View>('views', { timestamp: (v) => v.at })
        .groupBy((v) => v.contentId)
        .windowedBy(hopping('2m').advanceBy('1m').grace('0ms'))
        .count({ emit: { updates: 0, final: false } })
        .to('counts');
    });
    const driver = new TopologyTestDriver(topology);
    driver.pipeInputs('views', [view('a', 100_000), view('a', 70_000)]); // [0,2m) closed? no: ends at 120 s
    driver.pipeInput('views', view('b', 125_000)); // now [0m,2m) is closed, [1m,3m) open
    driver.readOutput('counts');
    driver.pipeInput('views', view('a', 110_000)); // in [0,2m) (closed) and [1m,3m) (open)
    expect(summary(driver.readOutput('counts'))).toEqual(['a@1m:update=3']);
    expect(driver.metrics.late).toBe(0);
  });
});

describe('session windows', () => {
  const sessionsOf = (emit: EmitOptions) =>
    defineTopology('sessions', (b) => {
      b.stream<string, { viewer: string; at: number }>('events', { timestamp: (v) => v.at })
        .groupBy((v) => v.viewer)
        .windowedBy(session('10s').grace('5s'))
        .count({ store: 'viewer-sessions', emit })
        .to('sessions');
    });
  const event = (viewer: string, at: number) => ({ key: viewer, value: { viewer, at } });
  const show = (records: StreamRecord<Windowed<string>, SessionResult<number>>[]) =>
    records.map((r) => `${r.key.key}[${r.key.start / 1000}-${r.key.end / 1000}]:${r.value.emit}=${r.value.aggregate}`);

  it('groups events less than the gap apart and emits the final session after gap + grace', () => {
    const driver = new TopologyTestDriver(sessionsOf({ updates: false, final: true }));
    driver.pipeInputs('events', [event('v1', 0), event('v1', 8_000), event('v1', 15_000), event('v2', 16_000)]);
    expect(driver.readOutput('sessions')).toEqual([]);
    driver.pipeInput('events', event('v3', 30_000)); // v1's session [0,15] closes at 15 + 10 + 5 = 30 s
    expect(show(driver.readOutput('sessions'))).toEqual(['v1[0-15]:final=3']);
  });

  it('merges two sessions when an out-of-order event bridges them, retracting the absorbed ones', () => {
    const driver = new TopologyTestDriver(sessionsOf({ updates: 0, final: false }));
    // Stream time 14 s: session [0,0] is still open (it closes at 0 + gap 10 s + grace 5 s).
    driver.pipeInputs('events', [event('v1', 0), event('v1', 14_000)]);
    expect(show(driver.readOutput('sessions'))).toEqual(['v1[0-0]:update=1', 'v1[14-14]:update=1']);
    driver.pipeInput('events', event('v1', 7_000)); // within 10 s of both: one session
    expect(show(driver.readOutput('sessions'))).toEqual([
      'v1[0-0]:retract=1',
      'v1[14-14]:retract=1',
      'v1[0-14]:update=3',
    ]);
    expect(driver.store('viewer-sessions').size).toBe(1);
  });

  it('an event that could only belong to a closed session is late', () => {
    const driver = new TopologyTestDriver(sessionsOf({ updates: false, final: true }));
    driver.pipeInputs('events', [event('v1', 0), event('v2', 40_000), event('v1', 2_000)]);
    expect(show(driver.readOutput('sessions'))).toEqual(['v1[0-0]:final=1']);
    expect(driver.deadLetters().map((letter) => [letter.kind, letter.record.timestamp])).toEqual([['late', 2_000]]);
  });
});
