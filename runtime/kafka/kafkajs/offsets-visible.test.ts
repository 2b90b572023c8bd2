import type { Admin } from 'kafkajs';
import { untilOffsetsVisible } from './offsets-visible';

/** An admin whose OffsetFetch shows the commit only from the `visibleFrom`-th call on (markers not yet written before). */
function adminShowing(visibleFrom: number, committed: number) {
  let calls = 0;
  const admin = {
    fetchOffsets: async () => {
      calls += 1;
      const offset = calls >= visibleFrom ? committed : committed - 100;
      return [{ topic: 't', partitions: [{ partition: 0, offset: String(offset), metadata: null }] }];
    },
  };
  return { admin: admin as unknown as Admin, calls: () => calls };
}

describe('untilOffsetsVisible', () => {
  it('waits until OffsetFetch shows what the transaction committed', async () => {
    const { admin, calls } = adminShowing(3, 500);
    await untilOffsetsVisible(admin, 'g', [{ topic: 't', partition: 0, offset: 500 }], () => false);
    expect(calls()).toBe(3);
  });

  it('stops waiting when told to give up, with the offset it did not see named', async () => {
    const { admin } = adminShowing(Number.POSITIVE_INFINITY, 500);
    await expect(
      untilOffsetsVisible(admin, 'g', [{ topic: 't', partition: 0, offset: 500 }], () => true),
    ).rejects.toThrow(/committed offset 500 of t\[0\] not visible yet \(group g shows 400\)/);
  });
});
