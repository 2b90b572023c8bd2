import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Lowers a child's priority by each of `calls` in turn and reads back every thread's niceness from
 * /proc. In a child: a lowered priority cannot be raised back without privileges.
 */
function lowerInAChild(calls: number[]): { lowered: number[]; threads: number[] } {
  const script = `
    const { readdirSync, readFileSync } = require('node:fs');
    const { lowerCpuPriority } = require(${JSON.stringify(resolve(__dirname, 'cpu-priority.ts'))});
    const lowered = ${JSON.stringify(calls)}.map((niceness) => lowerCpuPriority(niceness));
    const niceOf = (tid) => Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[16]);
    process.stdout.write(JSON.stringify({ lowered, threads: readdirSync('/proc/self/task').map(niceOf) }));
  `;
  const child = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as { lowered: number[]; threads: number[] };
}

describe('lowerCpuPriority (Linux)', () => {
  it('lowers every thread of the process, not only the main one', () => {
    const { lowered, threads } = lowerInAChild([7]);
    expect(threads.length).toBeGreaterThan(1);
    expect(threads).toEqual(threads.map(() => 7));
    expect(lowered).toEqual([threads.length]);
  });

  it('never raises a priority already lower', () => {
    const { lowered, threads } = lowerInAChild([9, 5]);
    expect(threads).toEqual(threads.map(() => 9));
    expect(lowered[1]).toBe(0);
  });
});
