import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { childCoverageEnv } from './child-coverage';

/**
 * `reelstream run …` as a child process, the way integration tests drive the runtime: its output
 * goes to its own log file, and stopping it waits until everything it printed is in that file.
 * Every started processor is tracked, so a failing test cannot leave one running (and jest hanging).
 */
export interface Processor {
  readonly logFile: string;
  /** Sends the signal (unless it already exited) and waits for the exit and the complete log. */
  stop(signal: NodeJS.Signals): Promise<void>;
  /**
   * SIGKILLs the command's stream threads (`--threads N` runs them as child processes) and then the
   * command: a crash of everything at once, where SIGKILL of the command alone would let its
   * threads stop cleanly. Returns how many thread processes were killed.
   */
  crash(): Promise<number>;
  /**
   * Resolves once more than `seenBefore` log lines have this `msg` (once there is one, by default);
   * fails when the process exits or the time runs out first.
   */
  waitForLog(message: string, timeoutMs?: number, seenBefore?: number): Promise<void>;
  /** How many log lines so far have this `msg`. */
  logCount(message: string): number;
  /** The times (ms since the epoch, as logged) of the log lines so far with this `msg`. */
  logTimes(message: string): number[];
  /** Whether the process is still up (a fault test asserts it survived). */
  running(): boolean;
}

const cli = resolve(__dirname, '..', '..', 'bin', 'reelstream.js');
const running = new Set<Processor>();

/** `REELSTREAM_PROFILE_DIR=<dir>`: every processor writes a CPU profile there when it exits (benchmarks). */
const profiling = process.env.REELSTREAM_PROFILE_DIR
  ? ['--cpu-prof', '--cpu-prof-dir', process.env.REELSTREAM_PROFILE_DIR]
  : [];

export function startProcessor(args: string[], env: Record<string, string>, logFile: string): Processor {
  return startCommand('run', args, env, logFile);
}

/** Any `reelstream <verb> …` as a tracked child process (`run` above; `probe` for latency measured from outside). */
export function startCommand(verb: string, args: string[], env: Record<string, string>, logFile: string): Processor {
  const child: ChildProcess = spawn(process.execPath, [...profiling, cli, verb, ...args], {
    env: { ...process.env, REELSTREAM_LOG_FORMAT: 'json', REELSTREAM_LOG_LEVEL: 'info', ...childCoverageEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  // Both streams feed one file: neither may end it; the child's 'close' (all output read) does.
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const logWritten = new Promise<void>((done) => child.once('close', () => log.end(done)));
  const logText = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const processor: Processor = {
    logFile,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await logWritten;
      running.delete(processor);
    },
    async crash() {
      const threads = childPids(child.pid);
      for (const pid of threads) process.kill(pid, 'SIGKILL');
      await processor.stop('SIGKILL');
      return threads.length;
    },
    running: () => child.exitCode === null && child.signalCode === null,
    logCount: (message) => logText().split(`"msg":"${message}"`).length - 1,
    logTimes: (message) =>
      logText()
        .split('\n')
        .filter((line) => line.includes(`"msg":"${message}"`))
        .map((line) => (JSON.parse(line) as { time: number }).time),
    async waitForLog(message, timeoutMs = 120_000, seenBefore = 0) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (processor.logCount(message) > seenBefore) return;
        if (child.exitCode !== null)
          throw new Error(`processor exited (${child.exitCode}) before logging "${message}"`);
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`processor did not log "${message}" within ${timeoutMs} ms`);
    },
  };
  running.add(processor);
  return processor;
}

/** The pids of a process's children (Linux /proc). */
function childPids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** For afterAll: kills whatever a failed test left running. */
export async function stopAllProcessors(): Promise<void> {
  await Promise.all([...running].map((processor) => processor.stop('SIGKILL')));
}

/** What a crash test measures: progress of the stateful stage, and whether the whole input is processed. */
export interface Progress {
  stateful: number;
  caughtUp: boolean;
}

/** What the progress was right before a SIGKILL landed. */
export type KillPoint = Progress;

/**
 * Starts a processor `kills` times and SIGKILLs it each time at a random moment after it made
 * progress of its own — progress, not the clock, since a cold machine starts slowly. Every
 * restarted processor first has to log that it restored its predecessor's committed state; the
 * baseline for its own progress is taken after that, when the predecessor's last transaction is settled.
 * Returns the progress read right before each kill, so a test can assert every kill landed mid-run.
 */
export async function killRepeatedly(options: {
  kills: number;
  start: (run: number) => Processor;
  progress: () => Promise<Progress>;
  timeoutMs?: number;
}): Promise<KillPoint[]> {
  const { kills, start, progress, timeoutMs = 120_000 } = options;
  const points: KillPoint[] = [];
  for (let run = 0; run < kills; run += 1) {
    const processor = start(run);
    await processor.waitForLog(run === 0 ? 'started' : 'restored state from changelog');
    const before = (await progress()).stateful;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await progress();
      if (now.stateful > before || now.caughtUp) break;
      if (Date.now() > deadline) throw new Error(`run ${run}: no progress beyond ${before} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, Math.random() * 300));
    points.push(await progress());
    await processor.stop('SIGKILL');
  }
  return points;
}
