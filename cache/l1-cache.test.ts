import fc from 'fast-check';
import type { Invalidation } from '../processors/cache/invalidations';
import { covers } from '../processors/cache/invalidations';
import { L1Cache } from './l1-cache';

type Load = { key: string; resolve: (version: number) => void; reject: (error: Error) => void };

/** An L1 whose loads wait until the test resolves them with a version: the interleaving is the test's. */
function controlledL1() {
  const pending: Load[] = [];
  let loads = 0;
  const l1 = new L1Cache<string>({
    maxEntries: 100,
    defaultTtlMs: 60_000,
    load: (key, tags) =>
      new Promise((resolve, reject) => {
        loads += 1;
        pending.push({
          key,
          resolve: (version) => resolve({ value: `${key}@${version}`, version, tags }),
          reject,
        });
      }),
  });
  return { l1, pending, loads: () => loads };
}

const TAGS: Record<string, string[]> = { 'content:c1:card': ['c1'], 'content:c2:card': ['c2'], 'row:7': ['c1', 'c2'] };
const KEYS = Object.keys(TAGS);
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('L1 cache', () => {
  it('loads a key once however many read it at the same time (single flight)', async () => {
    const { l1, pending, loads } = controlledL1();
    const reads = Array.from({ length: 50 }, () => l1.get('content:c1:card', ['c1']));
    await flush();
    expect(loads()).toBe(1);
    pending[0]?.resolve(3);
    const results = await Promise.all(reads);
    expect(new Set(results.map((r) => r.entry.value))).toEqual(new Set(['content:c1:card@3']));
    expect(results.filter((r) => r.outcome === 'miss')).toHaveLength(1);
    expect((await l1.get('content:c1:card', ['c1'])).outcome).toBe('hit');
  });

  it('refuses a load that read the data before an invalidation it finished after (a stale fill)', async () => {
    const { l1, pending } = controlledL1();
    const read = l1.get('content:c1:card', ['c1']);
    await flush();
    l1.invalidate({ targetType: 'content_id', target: 'c1', version: 5 }); // the catalog moved to version 5
    pending[0]?.resolve(4); // … but this load read version 4
    const { entry, outcome } = await read;
    expect(outcome).toBe('refused');
    expect(entry.version).toBe(4); // the caller still gets what was loaded
    expect(l1.peek('content:c1:card')).toBeUndefined(); // but it is not cached
    expect(l1.refusedFills).toBe(1);
  });

  it('no interleaving of reads, loads and invalidations leaves an entry older than an invalidation that covers it (property)', async () => {
    const invalidation = fc.oneof(
      fc.record({ targetType: fc.constant('key' as const), target: fc.constantFrom(...KEYS), version: fc.nat(20) }),
      fc.record({
        targetType: fc.constant('prefix' as const),
        target: fc.constantFrom('content:', 'row', 'content:c1'),
        version: fc.nat(20),
      }),
      fc.record({
        targetType: fc.constant('content_id' as const),
        target: fc.constantFrom('c1', 'c2'),
        version: fc.nat(20),
      }),
    );
    const step = fc.oneof(
      fc.record({ op: fc.constant('read' as const), key: fc.constantFrom(...KEYS) }),
      fc.record({ op: fc.constant('resolve' as const), index: fc.nat(5), version: fc.nat(20) }),
      fc.record({ op: fc.constant('invalidate' as const), invalidation }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const { l1, pending } = controlledL1();
        const invalidations: Invalidation[] = [];
        const reads: Promise<unknown>[] = [];
        for (const s of steps) {
          if (s.op === 'read') reads.push(l1.get(s.key, TAGS[s.key]).catch(() => undefined));
          else if (s.op === 'invalidate') {
            invalidations.push(s.invalidation);
            l1.invalidate(s.invalidation);
          } else if (pending.length > 0) pending.splice(s.index % pending.length, 1)[0]?.resolve(s.version);
          await flush();
        }
        while (pending.length > 0) {
          pending.shift()?.resolve(0);
          await flush();
        }
        await Promise.all(reads);
        for (const key of l1.keys()) {
          const entry = l1.peek(key);
          if (!entry) continue;
          const floor = Math.max(-1, ...invalidations.filter((i) => covers(i, key, entry.tags)).map((i) => i.version));
          expect(entry.version).toBeGreaterThanOrEqual(floor);
        }
      }),
      { numRuns: 150 },
    );
  }, 30_000);

  it('serves the expired value while the levels below fail, and says so', async () => {
    let fail = false;
    const l1 = new L1Cache<string>({
      maxEntries: 10,
      defaultTtlMs: 60_000,
      load: async (key, tags) => {
        if (fail) throw new Error('origin down');
        return { value: 'v1', version: 1, tags, ttlMs: 1 };
      },
    });
    await l1.get('k');
    await new Promise((resolve) => setTimeout(resolve, 5));
    fail = true;
    const { entry, outcome } = await l1.get('k');
    expect(entry.value).toBe('v1');
    expect(outcome).toBe('stale');
  });
});
