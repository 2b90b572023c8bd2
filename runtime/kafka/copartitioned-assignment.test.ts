import { assignCopartitioned } from './copartitioned-assignment';

describe('assignCopartitioned', () => {
  it('gives partition p of every topic to the same member', () => {
    const assignment = assignCopartitioned(
      ['b', 'a'],
      [
        { topic: 'plays', partitions: [0, 1, 2, 3, 4, 5] },
        { topic: 'catalog', partitions: [5, 4, 3, 2, 1, 0] },
      ],
    );
    expect(assignment.get('a')).toEqual({ plays: [0, 2, 4], catalog: [0, 2, 4] });
    expect(assignment.get('b')).toEqual({ plays: [1, 3, 5], catalog: [1, 3, 5] });
  });

  it('is the same whatever order members arrive in, and leaves extra members idle', () => {
    const topics = [{ topic: 't', partitions: [0, 1] }];
    expect(assignCopartitioned(['x', 'y', 'z'], topics)).toEqual(assignCopartitioned(['z', 'x', 'y'], topics));
    expect(assignCopartitioned(['x', 'y', 'z'], topics).get('z')).toEqual({});
  });

  it('assigns nothing without members', () => {
    expect(assignCopartitioned([], [{ topic: 't', partitions: [0] }]).size).toBe(0);
  });
});
