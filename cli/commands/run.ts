import { hostname } from 'node:os';
import type { Command } from 'commander';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { metricsRegistry } from '../../runtime/metrics';
import { startMetricsServer } from '../../runtime/metrics-server';
import { configFrom } from '../options';
import { runApplication, type RunRequest } from '../run/run-application';
import { ServiceGate } from '../../runtime/flow/service-gate';
import { lowerCpuPriority } from '../run/cpu-priority';
import { startStreamThreads, type StreamThreads } from '../run/run-threads';
import { loadTopology } from '../topology-loader';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'run topologies on Kafka until SIGTERM/SIGINT (then finish the batch, commit, leave the group); several run side by side, each its own application',
    )
    .argument('<topologies...>', 'names in topologies/ or paths to topology modules')
    .option(
      '--instance-id <id>',
      'stable id of this instance (names its transactional producer); default REELSTREAM_INSTANCE_ID or the host name',
    )
    .option(
      '--commit-interval <ms>',
      'commit every this many milliseconds (default: processing.commitIntervalMs, 100)',
      (value) => {
        const ms = Number(value);
        if (!Number.isInteger(ms) || ms <= 0)
          throw new ConfigError(`--commit-interval must be a positive integer of ms, not "${value}"`);
        return ms;
      },
    )
    .option(
      '--metrics-host <host>',
      'the address the metrics server binds (0.0.0.0 in a container, for probes and scrapes)',
      '127.0.0.1',
    )
    .option(
      '--metrics-port <port>',
      'serve /metrics, /healthz and /readyz on this port (see --metrics-host)',
      (value) => {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65_535)
          throw new ConfigError(`--metrics-port must be a port number, not "${value}"`);
        return port;
      },
    )
    .option(
      '--overload <mode>',
      'off: never sample nor shed, figures exact; adaptive: sample, then shed, under pressure (default: overload.mode, off)',
      (value) => {
        if (value !== 'off' && value !== 'adaptive')
          throw new ConfigError(`--overload must be "off" or "adaptive", not "${value}"`);
        return value;
      },
    )
    .option('--threads <n>', 'stream threads in this process (default: processing.threads, 1)', (value) => {
      const threads = Number(value);
      if (!Number.isInteger(threads) || threads < 1 || threads > 64)
        throw new ConfigError(`--threads must be an integer from 1 to 64, not "${value}"`);
      return threads;
    })
    .action(
      async (
        names: string[],
        options: {
          instanceId?: string;
          commitInterval?: number;
          metricsPort?: number;
          threads?: number;
          overload?: 'off' | 'adaptive';
          metricsHost: string;
        },
        command: Command,
      ) => {
        const configured = configFrom(command);
        const config = options.overload
          ? { ...configured, overload: { ...configured.overload, mode: options.overload } }
          : configured;
        const applications = new Set<string>();
        const topologies = names.map((name) => {
          // A topology that does not load fails here, before any thread starts; so do two of one application.
          const topology = loadTopology(name);
          if (applications.has(topology.name))
            throw new ConfigError(`run: topology "${name}" is application "${topology.name}" a second time`);
          applications.add(topology.name);
          return topology;
        });
        const log = createLogger('run');
        const requests: RunRequest[] = names.map((name, index) => ({
          topology: name,
          instanceId: options.instanceId ?? process.env.REELSTREAM_INSTANCE_ID ?? hostname(),
          commitIntervalMs:
            options.commitInterval ?? topologies[index]?.commitIntervalMs ?? config.processing.commitIntervalMs,
          config,
        }));
        const threads = options.threads ?? config.processing.threads;
        // A priority application beside others gets a process of its own at the CPU priority this one
        // started with; the others run at a lower one (cli/run/cpu-priority.ts).
        const isPriority = (index: number) => topologies[index]?.service === 'priority';
        const priority = requests.filter((_request, index) => isPriority(index));
        const others = requests.filter((_request, index) => !isPriority(index));
        const apart = priority.length > 0 && others.length > 0 ? priority : [];
        const niceness = apart.length > 0 ? config.processing.priorityNiceness : 0;
        const inProcess = threads === 1 ? requests.filter((request) => !apart.includes(request)) : [];
        const children = requests.filter((request) => !inProcess.includes(request));
        // An application registers its stop once it is connected: one asked to stop before that
        // (a signal, or another application failing at start) is stopped as it registers.
        const stops: (() => void)[] = [];
        let stopping = false;
        const stopAll = () => {
          stopping = true;
          stops.forEach((stop) => stop());
        };
        const onStop = (stop: () => void) => {
          stops.push(stop);
          if (stopping) stop();
        };
        const onSignal = (signal: string) => {
          log.info({ signal }, 'stopping: finishing the batch and committing');
          stopAll();
        };
        process.once('SIGTERM', () => onSignal('SIGTERM'));
        process.once('SIGINT', () => onSignal('SIGINT'));
        // Forked before this process lowers its priority: a child inherits the priority of its parent.
        const running = children.map((request) =>
          startStreamThreads(apart.includes(request) || niceness === 0 ? request : { ...request, niceness }, threads),
        );
        for (const threadsOfOne of running) onStop(threadsOfOne.stop);
        if (running.length > 0)
          log.info(
            { threads, topologies: children.map((request) => request.topology), instanceId: requests[0]?.instanceId },
            'started stream threads',
          );
        if (inProcess.length > 0 && niceness > 0) {
          const lowered = lowerCpuPriority(niceness);
          log.info(
            { niceness, threads: lowered, priority: apart.map((request) => request.topology) },
            'running beside a priority application at a lower CPU priority',
          );
        }
        const metrics =
          options.metricsPort === undefined
            ? undefined
            : await startMetricsServer(options.metricsPort, options.metricsHost, () =>
                mergedMetrics(running, inProcess.length > 0),
              );
        // One event loop for the applications in this process: a background application yields to a
        // realtime one that is behind.
        const serviceGate = new ServiceGate(createLogger('service'));
        try {
          await allOrStopAll(
            [
              ...inProcess.map((request) => runApplication(request, onStop, serviceGate)),
              ...running.map((threadsOfOne) => threadsOfOne.done),
            ],
            stopAll,
          );
        } finally {
          metrics?.close();
        }
      },
    );
}

/**
 * Waits for every application; the first to fail stops the others (each finishes its batch and
 * commits), and its error is what the command fails with once all have stopped.
 */
async function allOrStopAll(runs: Promise<void>[], stopAll: () => void): Promise<void> {
  const outcomes = await Promise.allSettled(
    runs.map((run) =>
      run.catch((error: unknown) => {
        stopAll();
        throw error;
      }),
    ),
  );
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * The metrics of every application as one registry (each series carries its application): those of
 * this process, when it runs applications itself, and every child's.
 */
async function mergedMetrics(running: readonly StreamThreads[], local: boolean): Promise<Registry> {
  const registries = [
    ...(local ? [metricsRegistry] : []),
    ...(await Promise.all(running.map((threads) => threads.metrics()))),
  ];
  if (registries.length === 1) return registries[0] as Registry;
  return AggregatorRegistry.aggregate(await Promise.all(registries.map((registry) => registry.getMetricsAsJSON())));
}
