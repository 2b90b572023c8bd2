import { TopicPartitionSet } from '../kafka/topic-partition-map';
import type { TopicPartition } from '../kafka/transport';
import { EventTimeBuffer, type BufferedRecord } from './event-time-buffer';

const rec = (partition: number, offset: number, eventTime: number, topic = 'plays'): BufferedRecord => ({
  topic,
  partition,
  offset,
  eventTime,
});
const assignment = [0, 1].map((partition) => ({ topic: 'plays', partition }));
const names = (records: BufferedRecord[]) => records.map((r) => `${r.partition}@${r.offset}`);
const notExempt = () => false;
const options = { maxWaitMs: 5_000, maxBufferedPerPartition: 4, maxLaneDriftMs: 15_000 };

describe('EventTimeBuffer', () => {
  it('takes records in event-time order across partitions, each partition in offset order', () => {
    const buffer = new EventTimeBuffer(new Set(['plays']), options);
    buffer.add([rec(0, 0, 10), rec(0, 1, 30), rec(0, 2, 20), rec(1, 0, 15), rec(1, 1, 25)]);
    // Both partitions are caught up (end = last offset + 1): nothing is waited for.
    const ends = (tp: TopicPartition) => ({ end: tp.partition === 0 ? 3 : 2 });
    expect(names(buffer.takeReady(assignment, ends, notExempt, 0, 2))).toEqual(['0@0', '1@0']);
    expect(names(buffer.takeReady(assignment, ends, notExempt, 0))).toEqual(['1@1', '0@1', '0@2']);
  });

  it('waits for a partition that has records not yet fetched — a backlog read one partition at a time', () => {
    const buffer = new EventTimeBuffer(new Set(['plays']), options);
    // Partition 0 delivered its whole backlog (minutes of event time); partition 1 has 100 records unfetched.
    buffer.add([rec(0, 0, 0), rec(0, 1, 60_000), rec(0, 2, 120_000)]);
    buffer.add([rec(1, 0, 1_000)]);
    const ends = (tp: TopicPartition) => ({ end: tp.partition === 0 ? 3 : 100 });
    expect(names(buffer.takeReady(assignment, ends, notExempt, 0))).toEqual(['0@0', '1@0']);
    buffer.add([rec(1, 1, 61_000)]);
    expect(names(buffer.takeReady(assignment, ends, notExempt, 10))).toEqual(['0@1', '1@1']);
    // After the wait bound, a partition that does not deliver no longer holds the others back.
    expect(names(buffer.takeReady(assignment, ends, notExempt, 6_000))).toEqual(['0@2']);
  });

  it("reads each partition's fetch state once per take, however many records it takes", () => {
    // With rdkafka each read is two native calls; read per record and partition, they were over half the job's CPU.
    const unbounded = { ...options, maxBufferedPerPartition: 10_000 };
    const buffer = new EventTimeBuffer(new Set(['plays']), unbounded);
    const wide = [0, 1, 2, 3].map((partition) => ({ topic: 'plays', partition }));
    buffer.add(Array.from({ length: 1_000 }, (_, offset) => rec(0, offset, offset)));
    buffer.add([rec(1, 0, 0), rec(2, 0, 0), rec(3, 0, 0)]); // delivered once, now empty and caught up
    let reads = 0;
    const caughtUp = (tp: TopicPartition) => {
      reads += 1;
      return { end: tp.partition === 0 ? 1_000 : 1 };
    };
    expect(buffer.takeReady(wide, caughtUp, notExempt, 0)).toHaveLength(1_003);
    expect(reads).toBeLessThanOrEqual(wide.length);
  });

  it('takes nothing from a partition held back on purpose (backpressure), and does not wait for it', () => {
    const buffer = new EventTimeBuffer(new Set(['plays']), options);
    buffer.add([rec(0, 0, 10), rec(1, 0, 5), rec(1, 1, 6)]);
    const lagging = () => ({ end: 1_000 });
    expect(names(buffer.takeReady(assignment, lagging, (tp) => tp.partition === 1, 0))).toEqual(['0@0']);
    expect(buffer.size).toBe(2);
  });

  it('does not wait for a caught-up partition, nor for one held back on purpose (backpressure)', () => {
    const buffer = new EventTimeBuffer(new Set(['plays']), options);
    buffer.add([rec(0, 0, 10), rec(1, 0, 5)]);
    expect(names(buffer.takeReady(assignment, () => ({ end: 1 }), notExempt, 0))).toEqual(['1@0', '0@0']);
    buffer.add([rec(0, 1, 20)]);
    const lagging = () => ({ end: 1_000 });
    expect(names(buffer.takeReady(assignment, lagging, (tp) => tp.partition === 1, 0))).toEqual(['0@1']);
  });

  it('does not wait for a transaction marker: a partition whose position passed its end has nothing to fetch', () => {
    const buffer = new EventTimeBuffer(new Set(['plays']), options);
    buffer.add([rec(0, 0, 10), rec(1, 0, 5)]);
    expect(names(buffer.takeReady(assignment, () => ({ end: 1 }), notExempt, 0))).toEqual(['1@0', '0@0']);
    buffer.add([rec(0, 1, 20)]);
    // Partition 1 ended its transaction with a commit marker at offset 1: its end is 2, its position 2.
    const afterCommit = (tp: TopicPartition) => (tp.partition === 1 ? { end: 2, position: 2 } : { end: 2 });
    expect(names(buffer.takeReady(assignment, afterCommit, notExempt, 0))).toEqual(['0@1']);
    // Without the position (a client that does not know it) the marker looks like a record to wait for.
    buffer.add([rec(0, 2, 30)]);
    expect(buffer.takeReady(assignment, () => ({ end: 2 }), notExempt, 0)).toEqual([]);
    expect(names(buffer.takeReady(assignment, afterCommit, notExempt, 0))).toEqual(['0@2']);
  });

  it('waits after an assignment for a partition’s first fetch, passes its own topics, and bounds memory', () => {
    const buffer = new EventTimeBuffer(new Set(['plays']), options);
    buffer.reset(0);
    const passing = buffer.add([rec(0, 0, 10), rec(0, 0, 99, 'app-repartition')]);
    expect(names(passing)).toEqual(['0@0']);
    expect(buffer.takeReady(assignment, () => undefined, notExempt, 100)).toEqual([]); // partition 1 not fetched yet
    buffer.add([rec(0, 1, 11), rec(0, 2, 12), rec(0, 3, 13), rec(0, 4, 14)]);
    expect(buffer.overfull(new TopicPartitionSet())).toEqual([{ topic: 'plays', partition: 0 }]);
    expect(buffer.size).toBe(5);
  });

  it('lets a waiting partition bound the others by the event time it delivered last, not stop them', () => {
    const buffer = new EventTimeBuffer(new Set(['plays']), options);
    buffer.add([rec(0, 0, 10), rec(0, 1, 20), rec(0, 2, 40), rec(1, 0, 30)]);
    // Partition 1 has 100 records not fetched yet and delivered up to event time 30.
    const ends = (tp: TopicPartition) => ({ end: tp.partition === 0 ? 3 : 100 });
    expect(names(buffer.takeReady(assignment, ends, notExempt, 0))).toEqual(['0@0', '0@1', '1@0']);
  });

  describe('with lanes', () => {
    const lanes = new Map([
      ['premium', 2],
      ['basic', 0],
    ]);
    const laneAssignment = [
      { topic: 'premium', partition: 0 },
      { topic: 'basic', partition: 0 },
    ];
    const lagging = (tp: TopicPartition) => ({ end: tp.topic === 'basic' ? 1_000 : 0 });

    it('serves the higher lane first, up to the drift ahead of a lagging lower lane, then waits for it', () => {
      const buffer = new EventTimeBuffer(new Set(['premium', 'basic']), options, lanes);
      buffer.add([rec(0, 0, 0, 'basic'), rec(0, 1, 1_000, 'basic')]);
      buffer.add([5_000, 14_000, 16_000, 17_000].map((time, offset) => rec(0, offset, time, 'premium')));
      const first = buffer.takeReady(laneAssignment, lagging, notExempt, 0, 2);
      expect(first.map((r) => `${r.topic}@${r.offset}`)).toEqual(['premium@0', 'premium@1']);
      // Premium's next head (16 s) is more than 15 s ahead of basic's (0): basic goes until premium may
      // again; then basic, waiting for a fetch after 1 s, holds premium's 17 s back.
      const next = buffer.takeReady(laneAssignment, lagging, notExempt, 0);
      expect(next.map((r) => `${r.topic}@${r.offset}`)).toEqual(['basic@0', 'premium@2', 'basic@1']);
    });

    it('bounds the higher lane by what a waiting lower lane delivered last, plus the drift', () => {
      const buffer = new EventTimeBuffer(new Set(['premium', 'basic']), options, lanes);
      buffer.add([rec(0, 0, 10_000, 'basic')]);
      expect(buffer.takeReady(laneAssignment, lagging, notExempt, 0).map((r) => r.topic)).toEqual(['basic']);
      buffer.add([rec(0, 0, 20_000, 'premium'), rec(0, 1, 30_000, 'premium')]);
      // basic waits for a fetch with its last event at 10 s: premium may run to 25 s, not to 30 s.
      expect(names(buffer.takeReady(laneAssignment, lagging, notExempt, 0))).toEqual(['0@0']);
    });

    it('with an unbounded drift (no windows), serves the higher lane however far ahead, once every lane delivered', () => {
      const unbounded = { ...options, maxLaneDriftMs: Number.POSITIVE_INFINITY };
      const buffer = new EventTimeBuffer(new Set(['premium', 'basic']), unbounded, lanes);
      buffer.add([rec(0, 0, 3_600_000, 'premium')]);
      // basic has not delivered since the assignment: nothing goes before it did, or its wait ran out.
      const unfetched = (tp: TopicPartition) => (tp.topic === 'basic' ? undefined : { end: 1 });
      expect(buffer.takeReady(laneAssignment, unfetched, notExempt, 0)).toEqual([]);
      buffer.add([rec(0, 0, 0, 'basic')]);
      const taken = buffer.takeReady(laneAssignment, lagging, notExempt, 0);
      expect(taken.map((r) => `${r.topic}@${r.offset}`)).toEqual(['premium@0', 'basic@0']);
    });

    it('keeps a lower lane behind a higher one that is waiting to deliver (no drift that way)', () => {
      const buffer = new EventTimeBuffer(new Set(['premium', 'basic']), options, lanes);
      buffer.add([rec(0, 0, 10_000, 'premium'), rec(0, 0, 5_000, 'basic'), rec(0, 1, 12_000, 'basic')]);
      const premiumLagging = (tp: TopicPartition) => ({ end: tp.topic === 'premium' ? 1_000 : 2 });
      const taken = buffer.takeReady(laneAssignment, premiumLagging, notExempt, 0);
      expect(taken.map((r) => `${r.topic}@${r.offset}`)).toEqual(['premium@0', 'basic@0']);
    });
  });
});
