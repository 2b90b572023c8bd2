import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import type { ProbeSample } from '../../simulator/latency-probe';
import { windowStartOf, type RedisKeys } from '../../sinks/redis/keys';
import { startCommand, type Processor } from './processor';

export interface ProbeProcessOptions {
  /** Where the pipeline reads premium playback. */
  topic: string;
  /** The probe's own content. */
  contentId: string;
  /** The Redis view it watches (`reelstream probe --view`); default `content`. */
  view?: 'content' | 'content-premium';
  /** The run's environment (its Redis key prefix above all). */
  env: Record<string, string>;
  logFile: string;
}

/**
 * `reelstream probe` in a process of its own, as benchmarks and tests measure event → Redis latency:
 * the figure is then the pipeline's, not delayed by the event loop of the test or benchmark that
 * produces the load at the same time.
 */
export class ProbeProcess {
  private readonly samplesFile: string;
  private process: Processor | undefined;
  private startedAt = 0;

  constructor(private readonly options: ProbeProcessOptions) {
    this.samplesFile = join(tmpdir(), `${options.contentId}-samples.json`);
  }

  private get view(): string {
    return this.options.view ?? 'content';
  }

  start(): void {
    const { topic, contentId, env, logFile } = this.options;
    this.startedAt = Date.now();
    this.process = startCommand(
      'probe',
      ['--topic', topic, '--content-id', contentId, '--view', this.view, '--samples', this.samplesFile],
      env,
      logFile,
    );
  }

  /** Waits until Redis counted a first probe (the pipeline is assigned and settled); false when the time ran out. */
  async firstCounted(redis: Redis, keys: RedisKeys, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.process?.running()) throw new Error(`reelstream probe exited (see ${this.options.logFile})`);
      const minutes: string[] = [];
      for (let start = windowStartOf(this.startedAt, '1m'); start <= Date.now(); start += 60_000)
        minutes.push(keys.aggregate(this.view, '1m', this.options.contentId, start));
      if ((await redis.mget(minutes)).some((value) => value !== null)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  /** Stops the probe (it waits up to 15 s for the last probes to be counted) and returns every sample. */
  async stop(): Promise<ProbeSample[]> {
    await this.process?.stop('SIGTERM');
    if (!existsSync(this.samplesFile))
      throw new Error(`reelstream probe wrote no samples (see ${this.options.logFile})`);
    return JSON.parse(readFileSync(this.samplesFile, 'utf8')) as ProbeSample[];
  }
}
