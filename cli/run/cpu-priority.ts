import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers this process's CPU priority to `niceness` (never raises it: that needs privileges), so that a
 * priority application in a process of its own is served first when the cores are saturated
 * (`service: 'priority'`, docs/overload.md). On Linux niceness belongs to each thread — setpriority on
 * the process id changes the main thread alone — so every thread in /proc/self/task is lowered (V8's
 * and libuv's helper threads run the garbage collector and file I/O); threads started later inherit
 * it. Elsewhere the process's own. Returns how many threads were lowered.
 */
export function lowerCpuPriority(niceness: number): number {
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    threads = [0];
  }
  let lowered = 0;
  for (const thread of threads) {
    try {
      if (getPriority(thread) >= niceness) continue;
      setPriority(thread, niceness);
      lowered += 1;
    } catch {
      // A helper thread that ended since the listing.
    }
  }
  return lowered;
}
