import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second (USER_HZ): /proc reports CPU time in them. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: the fields after it start past its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS_PER_SECOND;
}

/** The process's peak resident set size so far (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** The process and its descendants (`reelstream run --threads N` runs each thread as a child). */
export function processTree(pid: number): number[] {
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return [];
  const children = readdirSync(tasks).flatMap((task) =>
    readFileSync(`${tasks}/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
  return [pid, ...children.flatMap(processTree)];
}

/** CPU seconds of the process tree; a descendant that exits is counted in its parent's children time. */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, each) => sum + safely(() => cpuSeconds(each)), 0);
}

/** The sum of the peak RSS of the process and its descendants: an upper bound of their joint peak. */
export function treePeakRssBytes(pid: number): number {
  return processTree(pid).reduce((sum, each) => sum + safely(() => peakRssBytes(each)), 0);
}

/** A process may exit between listing and reading: it then counts 0. */
function safely(read: () => number): number {
  try {
    return read();
  } catch {
    return 0;
  }
}
