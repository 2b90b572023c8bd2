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
const options = { maxWaitMs: 5_000, maxBufferedPerPartition: 4 };

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
});
