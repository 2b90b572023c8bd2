import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';

const cli = resolve(__dirname, '..', 'bin', 'reelstream.js');

/**
 * The `reelstream` commands a benchmark runs as users run them, as child processes. A `run` child
 * that ends before `stopAll()` is a failure the benchmark checks (`failure`) instead of waiting on it.
 */
export class ReelstreamChildren {
  private readonly children: ChildProcess[] = [];
  private stopping = false;
  failure: Error | undefined;

  start(
    args: string[],
    env: Record<string, string>,
    { stderr = 'inherit', nodeArgs = [] }: { stderr?: 'inherit' | 'ignore'; nodeArgs?: string[] } = {},
  ): ChildProcess {
    const child = spawn(process.execPath, [...nodeArgs, cli, ...args], {
      env: { ...process.env, REELSTREAM_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', stderr],
    });
    child.on('exit', (code, signal) => {
      if (!this.stopping && args[0] === 'run')
        this.failure ??= new Error(`reelstream ${args.join(' ')} ended early (${signal ?? `exit code ${code}`})`);
    });
    this.children.push(child);
    return child;
  }

  /** SIGTERM to every child, then a few seconds for them to commit and leave. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const child of this.children) child.kill('SIGTERM');
    await new Promise((done) => setTimeout(done, 3_000));
  }

  killAll(): void {
    for (const child of this.children) child.kill('SIGKILL');
  }
}

export const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** The bucket bound under which a quantile of a Prometheus histogram falls. */
export function histogramQuantile(text: string, metric: string, q: number): string {
  const buckets = [...text.matchAll(new RegExp(`^${metric}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\d+)`, 'gm'))].map(
    (match) => [match[1] as string, Number(match[2])] as const,
  );
  const total = buckets.at(-1)?.[1] ?? 0;
  const bucket = buckets.find(([, count]) => count >= q * total);
  return total === 0 ? 'no samples' : `≤ ${bucket?.[0] ?? '?'} s`;
}

/** A Prometheus histogram's cumulative bucket counts (bound → count), from its text. */
export function histogramBuckets(text: string, metric: string): [string, number][] {
  return [...text.matchAll(new RegExp(`^${metric}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\d+)`, 'gm'))].map((match) => [
    match[1] as string,
    Number(match[2]),
  ]);
}

/** The bucket bound under which a quantile falls, of what a histogram counted between two readings of its buckets. */
export function deltaQuantile(before: [string, number][], after: [string, number][], q: number): string {
  const counted = new Map(before);
  const buckets = after.map(([bound, count]) => [bound, count - (counted.get(bound) ?? 0)] as const);
  const total = buckets.at(-1)?.[1] ?? 0;
  const bucket = buckets.find(([, count]) => count >= q * total);
  return total === 0 ? 'no samples' : `≤ ${bucket?.[0] ?? '?'} s`;
}

/** Removes every Redis key of a benchmark's run (`<prefix>:…`), a thousand at a time. */
export async function deleteRunKeys(redis: Redis, prefix: string): Promise<void> {
  const left = await redis.keys(`${prefix}:*`);
  for (let i = 0; i < left.length; i += 1_000) await redis.del(...left.slice(i, i + 1_000));
}

/** Runs a benchmark's main; a failure kills its children and exits 1. */
export function runBenchmark(main: () => Promise<void>, children: ReelstreamChildren): void {
  main().catch((error: Error) => {
    children.killAll();
    console.error(error);
    process.exit(1);
  });
}
