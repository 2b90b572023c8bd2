import { createLogger } from '../../core/logging';
import { metricsRegistry } from '../../runtime/metrics';
import { lowerCpuPriority } from './cpu-priority';
import { runApplication, type RunRequest } from './run-application';

/**
 * One stream thread of `reelstream run --threads N`, as a child process: `start` runs its
 * application; `stop` (or SIGTERM/SIGINT, or the parent going away) finishes the batch, commits and
 * leaves; `metrics` answers with this thread's metrics for the parent to sum.
 */
type Message = { type: 'start'; request: RunRequest } | { type: 'stop' } | { type: 'metrics'; id: number };

const log = createLogger('run');
let stop: (() => void) | undefined;
let stopRequested = false;
const requestStop = () => {
  stopRequested = true;
  stop?.();
};

process.on('message', (message: Message) => {
  if (message.type === 'start') start(message.request);
  else if (message.type === 'stop') requestStop();
  else if (message.type === 'metrics')
    void metricsRegistry
      .getMetricsAsJSON()
      .then((metrics) => process.send?.({ type: 'metrics', id: message.id, metrics }));
});
process.once('disconnect', requestStop);
process.once('SIGTERM', requestStop);
process.once('SIGINT', requestStop);

function start(request: RunRequest): void {
  if (request.niceness) lowerCpuPriority(request.niceness);
  runApplication(request, (stopApplication) => {
    stop = stopApplication;
    if (stopRequested) stopApplication();
  }).then(
    () => {
      process.exitCode = 0;
      // Gone already when the command itself stopped (or was killed) first.
      if (process.connected) process.disconnect();
    },
    (error: unknown) => {
      log.fatal({ err: error, instanceId: request.instanceId }, 'stream thread failed');
      process.exit(1);
    },
  );
}
