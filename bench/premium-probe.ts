import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisKeys } from '../sinks/redis/keys';
import type { ProbeSample } from '../simulator/latency-probe';
import type { PlaybackRun, PlaybackRuns } from '../test/helpers/playback-run';
import { ProbeProcess } from '../test/helpers/probe-process';

export interface PremiumProbe {
  /** Stops the probe; its samples split into those sent at rest and those sent from `loadStarted` on. */
  stop(): Promise<{ all: ProbeSample[] } & SplitSamples>;
  /** Splits any samples of the same probe events (timed by another observer) the same way. */
  split(samples: ProbeSample[]): SplitSamples;
}

export interface SplitSamples {
  atRest: ProbeSample[];
  underLoad: ProbeSample[];
}

/**
 * The overload benches' premium measure: `reelstream probe` in a process of its own (the bench's own
 * process produces the load, and its event loop must not delay the measuring) sends premium events to
 * `topic` and times them until Redis counts them. Resolves once the first probe was counted (the
 * application assigned and settled) and `restSeconds` more have passed: the floor of the path at rest.
 * Whatever the bench does next is "under load" until it calls stop().
 */
export async function startPremiumProbe(
  runs: PlaybackRuns,
  run: PlaybackRun,
  topic: string,
  env: Record<string, string>,
  restSeconds: number,
  view: 'content' | 'content-premium' = 'content',
): Promise<PremiumProbe> {
  const probe = new ProbeProcess({
    topic,
    contentId: `${run.run}-probe`,
    view,
    env,
    logFile: join(tmpdir(), `${run.run}-probe.log`),
  });
  probe.start();
  if (!(await probe.firstCounted(runs.redis, new RedisKeys(run.run), 180_000)))
    throw new Error('no premium probe reached Redis within 180 s of the start');
  const restStarted = Date.now();
  await new Promise((resolve) => setTimeout(resolve, restSeconds * 1_000));
  const loadStarted = Date.now();
  const split = (samples: ProbeSample[]): SplitSamples => ({
    atRest: samples.filter(({ sentAt }) => sentAt >= restStarted && sentAt < loadStarted),
    underLoad: samples.filter(({ sentAt }) => sentAt >= loadStarted),
  });
  return {
    async stop() {
      const all = await probe.stop();
      return { all, ...split(all) };
    },
    split,
  };
}
