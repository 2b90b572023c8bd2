import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import {
  describeReplayPlan,
  parseReplayPoint,
  REPLAYABLE,
  replayRange,
  type ReplayPoint,
} from '../../replay/replay-plan';
import {
  committedOffsets,
  planReplay,
  nothingLeft,
  repartitionBacklog,
  replayDone,
  replayedOffsets,
  seekReplayGroup,
  timeOfPoint,
} from '../../replay/replay';
import { internalSourceTopicsOf } from '../../replay/reset-plan';
import { createTransport } from '../../runtime/kafka/create-transport';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { dlqTopic } from '../../runtime/naming';
import { configFrom } from '../options';
import { runApplication } from '../run/run-application';
import { loadTopology } from '../topology-loader';
import { SourceDecoders } from '../../runtime/app/source-decoders';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'reprocess an event-time range into the same sinks without double counting, under its own application id (progress bar)',
    )
    .argument('<topology>', `one of: ${Object.keys(REPLAYABLE).join(', ')}`)
    .requiredOption(
      '--from <time|offset>',
      "start of the range: an ISO time, an offset for every input partition (120000) or offsets by partition (0:1200,1:980), which stand for their records' timestamps; widened to its minute",
    )
    .option(
      '--to <time|offset>',
      'end of the range, exclusive, as --from; widened to its minute; default: the current minute',
    )
    .option('--dry-run', 'print the plan and change nothing')
    .action(async (name: string, options: { from: string; to?: string; dryRun?: boolean }, command: Command) => {
      const replayable = REPLAYABLE[name];
      if (!replayable)
        throw new ConfigError(`replay: "${name}" cannot be replayed (known: ${Object.keys(REPLAYABLE).join(', ')})`);
      const asConfigError = (error: unknown) => (error instanceof RangeError ? new ConfigError(error.message) : error);
      let from: ReplayPoint;
      let to: ReplayPoint | undefined;
      try {
        from = parseReplayPoint('--from', options.from);
        to = options.to === undefined ? undefined : parseReplayPoint('--to', options.to);
      } catch (error) {
        throw asConfigError(error);
      }
      const config = configFrom(command);
      const log = createLogger('replay');
      const id = `replay-${Date.now().toString(36)}`;
      const live = process.env[replayable.applicationEnv];
      const application = `${live ?? name}-${id}`;
      process.env[replayable.applicationEnv] = application;
      const privateTopics = replayable.privateTopics.map((variable) => {
        const topic = `${application}-${variable.toLowerCase().replace(/_/g, '-')}`;
        process.env[variable] = topic;
        return topic;
      });
      const topology = loadTopology(name);
      const repartitionTopics = internalSourceTopicsOf(topology);
      const kafka = createKafkaJs(config.kafka);
      const decoders = new SourceDecoders(
        topology,
        new Set(topology.internalTopics),
        connectSchemaRegistry(config.schemaRegistry),
      );
      const admin = kafka.admin();
      await admin.connect();
      const bar = new SingleBar(
        {
          format: `replay ${name} [{bar}] {value}/{total} records · {speed} records/s · ETA {eta}s`,
          hideCursor: true,
          noTTYOutput: true,
          notTTYSchedule: 1_000,
        },
        Presets.shades_classic,
      );
      let started = false;
      try {
        let range;
        try {
          const fromMs = (await timeOfPoint(kafka, admin, topology, decoders, from, 'from')) as number;
          const toMs = to && (await timeOfPoint(kafka, admin, topology, decoders, to, 'to'));
          for (const [option, point, ms] of [
            ['--from', from, fromMs],
            ['--to', to, toMs],
          ] as const)
            if (point?.kind === 'offsets')
              console.log(
                ms === undefined
                  ? `${option} ${options.to}: at the end of every partition (the range ends at the current minute)`
                  : `${option} ${option === '--from' ? options.from : options.to}: the ${option === '--from' ? 'earliest' : 'latest'} event time of the records there is ${new Date(ms).toISOString()}`,
              );
          range = replayRange(fromMs, toMs);
        } catch (error) {
          throw asConfigError(error);
        }
        const plan = await planReplay(admin, topology, name, range);
        for (const line of describeReplayPlan(plan)) console.log(line);
        if (options.dryRun) {
          console.log('dry run: nothing replayed or written');
          return;
        }
        started = true;
        if (privateTopics.length > 0)
          await admin.createTopics({
            waitForLeaders: true,
            topics: privateTopics.map((topic) => ({ topic, numPartitions: 1 })),
          });
        await seekReplayGroup(admin, plan);
        const began = Date.now();
        bar.start(plan.records, 0, { speed: 0 });
        let stop: ((options?: { rangeRead?: boolean }) => void) | undefined;
        const running = runApplication(
          {
            topology: name,
            instanceId: application,
            commitIntervalMs: config.processing.commitIntervalMs,
            // Never sample a replay: its lag is its nature, and its figures must be exact.
            config: { ...config, overload: { ...config.overload, mode: 'off' } },
            eventTimeRange: range,
          },
          (stopIt) => (stop = stopIt),
        );
        // The input is read once every partition is committed to its planned end, or (transaction
        // markers, aborted transactions) has nothing left to see before it: checked by reading when
        // progress stalls. Then the repartitioned records are read to the end too.
        const reader = createTransport(config.kafka).partitionReader();
        try {
          let last = -1;
          let still = 0;
          let inputRead = false;
          let lastGap = -1;
          for (;;) {
            const outcome = await Promise.race([
              running.then(() => 'ended'),
              new Promise((r) => setTimeout(r, 500, 'polled')),
            ]);
            if (outcome === 'ended')
              throw new ConfigError(`replay: ${application} ended before reaching the end of the range`);
            if (!inputRead) {
              const committed = await committedOffsets(admin, plan);
              const done = replayedOffsets(plan, committed);
              bar.update(done, { speed: Math.round((done * 1000) / Math.max(1, Date.now() - began)) });
              still = done === last ? still + 1 : 0;
              last = done;
              inputRead = done === plan.records || (still >= 3 && (await replayDone(plan, committed, reader)));
              if (still >= 3) still = 0;
              if (!inputRead) continue;
              bar.update(plan.records);
            }
            // The repartitioned records: done when nothing is left before the ends (markers and
            // aborted transactions count as read), checked by reading once the gap stops shrinking.
            const backlog = await repartitionBacklog(admin, application, repartitionTopics);
            const gap = backlog.reduce((sum, { at, to }) => sum + Math.max(0, to - at), 0);
            if (gap === 0 || (gap === lastGap && (await nothingLeft(backlog, reader)))) break;
            lastGap = gap;
          }
        } finally {
          await reader.disconnect();
        }
        // Everything of the range is read: the last commit closes its windows too.
        stop?.({ rangeRead: true });
        await running;
        bar.stop();
        console.log(
          `replayed ${plan.records} records of ${name} (event time ${new Date(range.fromMs).toISOString()} to ${new Date(range.toMs).toISOString()}) in ${((Date.now() - began) / 1000).toFixed(1)} s`,
        );
      } finally {
        bar.stop();
        if (started) {
          // The replay's own application leaves nothing behind: its group, internal and private topics.
          await admin
            .deleteGroups([application])
            .catch((error: unknown) => log.warn({ err: error }, 'deleting the group'));
          const existing = new Set(await admin.listTopics());
          const leftovers = [...topology.internalTopics, dlqTopic(application), ...privateTopics].filter((topic) =>
            existing.has(topic),
          );
          if (leftovers.length > 0) await admin.deleteTopics({ topics: leftovers }).catch(() => undefined);
        }
        await admin.disconnect();
      }
    });
}
