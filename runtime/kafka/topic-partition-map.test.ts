import { TaskId } from '../task/task-id';
import { TopicPartitionMap, TopicPartitionSet } from './topic-partition-map';

describe('TopicPartitionMap', () => {
  it('keys by value: equal topic partitions are one key, whatever object carries them', () => {
    const map = new TopicPartitionMap<number>();
    map
      .set({ topic: 'a', partition: 1 }, 1)
      .set({ topic: 'a', partition: 1 }, 2)
      .set({ topic: 'a:1', partition: 0 }, 3);
    expect(map.size).toBe(2);
    expect(map.get({ topic: 'a', partition: 1 })).toBe(2);
    expect(map.get({ topic: 'a:1', partition: 0 })).toBe(3);
    expect(map.delete({ topic: 'a', partition: 1 })).toBe(true);
    expect(map.delete({ topic: 'a', partition: 1 })).toBe(false);
    expect([...map.entries()]).toEqual([[{ topic: 'a:1', partition: 0 }, 3]]);
  });

  it('a set holds each topic partition once', () => {
    const set = new TopicPartitionSet([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 0 },
      { topic: 't', partition: 2 },
    ]);
    expect(set.size).toBe(2);
    expect(set.has({ topic: 't', partition: 2 })).toBe(true);
    expect([...set]).toEqual([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 2 },
    ]);
  });
});

describe('TaskId', () => {
  it('is one instance per value, printed as subtopology_partition', () => {
    expect(TaskId.of(1, 3)).toBe(TaskId.of(1, 3));
    expect(TaskId.of(1, 3)).not.toBe(TaskId.of(3, 1));
    expect(String(TaskId.of(0, 12))).toBe('0_12');
    expect(JSON.stringify({ task: TaskId.of(2, 5) })).toBe('{"task":"2_5"}');
  });
});
