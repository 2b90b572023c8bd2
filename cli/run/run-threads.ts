import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { createLogger } from '../../core/logging';
import type { RunRequest } from './run-application';

const WORKER = resolve(__dirname, '..', '..', 'bin', 'thread-worker.js');

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
 * `reelstream run --threads N` (Kafka Streams' num.stream.threads): N stream threads in one process,
 * each a worker thread with its own consumer, producer, tasks and sinks, and its own instance id
 * (`<instance>-<n>`, so each transactional producer is fenced only by its own successor). The group
 * spreads the partitions over the threads as over instances.
 */
export function startStreamThreads(request: RunRequest, threads: number): StreamThreads {
  const log = createLogger('run');
  const workers = Array.from(
    { length: threads },
    (_, index) =>
      new Worker(WORKER, { workerData: { request: { ...request, instanceId: `${request.instanceId}-${index + 1}` } } }),
  );
  let nextId = 0;
  const stopAll = () => workers.forEach((worker) => worker.postMessage({ type: 'stop' }));
  const done = Promise.all(
    workers.map(
      (worker, index) =>
        new Promise<void>((resolveExit, rejectExit) => {
          worker.once('error', (error) => {
            log.fatal({ err: error, thread: index + 1 }, 'stream thread crashed; stopping the others');
            stopAll();
            rejectExit(error);
          });
          worker.once('exit', (code) => {
            if (code === 0) return resolveExit();
            stopAll();
            rejectExit(new Error(`stream thread ${index + 1} exited with code ${code}`));
          });
        }),
    ),
  ).then(() => undefined);
  const threadMetrics = (worker: Worker) =>
    new Promise<object[] | undefined>((resolveMetrics) => {
      const id = (nextId += 1);
      const timer = setTimeout(() => {
        worker.off('message', onMessage);
        resolveMetrics(undefined);
      }, METRICS_TIMEOUT_MS);
      const onMessage = (message: { type: string; id: number; metrics: object[] }) => {
        if (message.type !== 'metrics' || message.id !== id) return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolveMetrics(message.metrics);
      };
      worker.on('message', onMessage);
      worker.postMessage({ type: 'metrics', id });
    });
  return {
    stop: stopAll,
    done,
    metrics: async () => {
      const answers = await Promise.all(workers.map(threadMetrics));
      return AggregatorRegistry.aggregate(answers.filter((answer): answer is object[] => answer !== undefined));
    },
  };
}
