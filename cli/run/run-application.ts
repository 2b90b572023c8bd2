import { resolve } from 'node:path';
import { StreamApplication } from '../../runtime/app/stream-application';
import type { ServiceGate } from '../../runtime/flow/service-gate';
import type { EventTimeRange } from '../../runtime/task/stream-task';
import { createLogger } from '../../core/logging';
import type { ReelstreamConfig } from '../../runtime/config/schema';
import { kafkajsAdmin } from '../../runtime/kafka/kafkajs/admin';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { createTransport } from '../../runtime/kafka/create-transport';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { createSinkResolver } from '../sink-resolver';
import { loadTopology } from '../topology-loader';

/** What `reelstream run` runs on one stream thread; plain data, so a stream-thread process can receive it. */
export interface RunRequest {
  /** A name in topologies/ or a path to a topology module. */
  topology: string;
  /** Names the thread's transactional producer: stable across restarts, unique per thread. */
  instanceId: string;
  commitIntervalMs: number;
  config: ReelstreamConfig;
  /** A replay: only input records of this event-time range (`reelstream replay`). */
  eventTimeRange?: EventTimeRange;
  /** A stream-thread process lowers its CPU priority to this first (it runs beside a priority application). */
  niceness?: number;
}

/**
 * One stream thread's application — its own consumer, producer, tasks and sinks — from start to
 * close. `onStop` receives the function that asks it to finish the batch, commit and leave;
 * `serviceGate` is shared by the applications that run in the same process.
 */
export async function runApplication(
  request: RunRequest,
  onStop: (stop: (options?: { rangeRead?: boolean }) => void) => void,
  serviceGate?: ServiceGate,
): Promise<void> {
  const { config } = request;
  const topology = loadTopology(request.topology);
  const log = createLogger('run');
  const admin = createKafkaJs(config.kafka).admin();
  await admin.connect();
  const sinks = createSinkResolver(config, topology.name);
  const app = new StreamApplication({
    topology,
    applicationId: topology.name,
    transport: createTransport(config.kafka),
    admin: kafkajsAdmin(admin),
    sinks: sinks.resolve,
    registry: connectSchemaRegistry(config.schemaRegistry),
    instanceId: request.instanceId,
    commitIntervalMs: request.commitIntervalMs,
    maxEventTimeAheadMs: config.processing.maxEventTimeAheadMs,
    maxBatchRecords: config.processing.maxBatchRecords,
    alignment: {
      maxWaitMs: config.processing.alignmentMaxWaitMs,
      ...(config.processing.alignmentMaxLaneDriftMs === undefined
        ? {}
        : { maxLaneDriftMs: config.processing.alignmentMaxLaneDriftMs }),
    },
    stallWarningMs: config.processing.stallWarningMs,
    stateDir: config.processing.stateStore === 'lmdb' ? resolve(config.processing.stateDir) : undefined,
    eventTimeRange: request.eventTimeRange,
    serviceGate,
    overload: {
      mode: config.overload.mode,
      tickMs: config.overload.tickMs,
      limits: {
        lagSeconds: config.overload.lagSeconds,
        eventToSinkSeconds: config.overload.eventToSinkSeconds,
        sinkFill: config.overload.sinkFill,
      },
    },
  });
  onStop((options) => app.stop(options));
  let started = false;
  try {
    await app.start();
    started = true;
    await app.run();
  } finally {
    // Also after a failed start (a missing topic, a bad config): every connection opened so far is
    // closed, so the process exits with the error instead of hanging on an open client.
    await app.close().catch((error: unknown) => {
      if (started) throw error;
      log.warn({ err: error }, 'closing after a failed start failed');
    });
    await sinks.close();
    await admin.disconnect();
    if (started) log.info({ instanceId: request.instanceId, ...app.stats }, 'stopped');
  }
}
