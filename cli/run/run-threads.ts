import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { createLogger } from '../../core/logging';
import type { RunRequest } from './run-application';

const THREAD = resolve(__dirname, '..', '..', 'bin', 'stream-thread.js');

/** How long /metrics waits for a thread's answer; a thread that does not answer is left out. */
const METRICS_TIMEOUT_MS = 2_000;

export interface StreamThreads {
  /** Asks every thread to finish its batch, commit and leave the group. */
  stop(): void;
  /** Every thread's metrics, summed across threads (counters, gauges, histograms). */
  metrics(): Promise<Registry>;
  /** Resolves once every thread stopped; rejects when one failed (the others are stopped). */
  done: Promise<void>;
}

/**
 * `reelstream run --threads N` (Kafka Streams' num.stream.threads): N stream threads under one
 * command, each with its own consumer, producer, tasks and sinks, and its own instance id
 * (`<instance>-<n>`, so each transactional producer is fenced only by its own successor); the group
 * spreads the partitions over them as over instances. Each thread is a child process, not a worker
 * thread: node-rdkafka's native addon is not context-aware and cannot load in a worker thread
 * (node-rdkafka issue #958). A thread stops when this process asks, or when this process is gone.
 */
export function startStreamThreads(request: RunRequest, threads: number): StreamThreads {
  const log = createLogger('run');
  const children: ChildProcess[] = Array.from({ length: threads }, () =>
    fork(THREAD, [], { serialization: 'advanced', stdio: 'inherit' }),
  );
  children.forEach((child, index) =>
    child.send({ type: 'start', request: { ...request, instanceId: `${request.instanceId}-${index + 1}` } }),
  );
  let nextId = 0;
  const stopAll = () => {
    for (const child of children) if (child.connected) child.send({ type: 'stop' });
  };
  const done = Promise.allSettled(
    children.map(
      (child, index) =>
        new Promise<void>((resolveExit, rejectExit) => {
          child.once('error', (error) => {
            log.fatal({ err: error, thread: index + 1 }, 'stream thread failed to start; stopping the others');
            stopAll();
            rejectExit(error);
          });
          child.once('exit', (code, signal) => {
            if (code === 0) return resolveExit();
            log.fatal({ thread: index + 1, code, signal }, 'stream thread stopped with an error; stopping the others');
            stopAll();
            rejectExit(new Error(`stream thread ${index + 1} exited with ${signal ?? `code ${code}`}`));
          });
        }),
    ),
  ).then((outcomes) => {
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  });
  const threadMetrics = (child: ChildProcess) =>
    new Promise<object[] | undefined>((resolveMetrics) => {
      if (!child.connected) return resolveMetrics(undefined);
      const id = (nextId += 1);
      const onMessage = (message: { type: string; id: number; metrics: object[] }) => {
        if (message.type !== 'metrics' || message.id !== id) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolveMetrics(message.metrics);
      };
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        resolveMetrics(undefined);
      }, METRICS_TIMEOUT_MS);
      child.on('message', onMessage);
      child.send({ type: 'metrics', id });
    });
  return {
    stop: stopAll,
    done,
    metrics: async () => {
      const answers = await Promise.all(children.map(threadMetrics));
      return AggregatorRegistry.aggregate(answers.filter((answer): answer is object[] => answer !== undefined));
    },
  };
}
