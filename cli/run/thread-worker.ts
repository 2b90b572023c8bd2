import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../core/logging';
import { metricsRegistry } from '../../runtime/metrics';
import { runApplication, type RunRequest } from './run-application';

/**
 * One stream thread of `reelstream run --threads N` (a worker thread): runs its application and
 * answers the main thread — `stop` finishes the batch and commits; `metrics` returns this thread's
 * metrics for the main thread to aggregate.
 */
type Message = { type: 'stop' } | { type: 'metrics'; id: number };

const request = (workerData as { request: RunRequest }).request;
let stop: (() => void) | undefined;
let stopRequested = false;
parentPort?.on('message', (message: Message) => {
  if (message.type === 'stop') {
    stopRequested = true;
    stop?.();
  } else if (message.type === 'metrics')
    void metricsRegistry
      .getMetricsAsJSON()
      .then((metrics) => parentPort?.postMessage({ type: 'metrics', id: message.id, metrics }));
});

runApplication(request, (stopApplication) => {
  stop = stopApplication;
  if (stopRequested) stopApplication();
}).then(
  () => process.exit(0),
  (error: unknown) => {
    createLogger('run').fatal({ err: error, instanceId: request.instanceId }, 'stream thread failed');
    process.exit(1);
  },
);
