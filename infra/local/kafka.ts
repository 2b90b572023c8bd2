import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { ReelstreamConfig } from '../../runtime/config/schema';
import { StackError } from '../../core/errors';
import { runCommand, which } from './commands';
import { findJava } from './java';
import { serviceDir, splitHostPort } from './paths';
import type { LocalService } from './service';

/** Must match <kafka.version> in infra/local/kafka/pom.xml. */
export const KAFKA_VERSION = '3.9.1';
const POM = resolve(__dirname, 'kafka', 'pom.xml');

/**
 * Apache Kafka as a single-node KRaft cluster (broker and controller in one JVM). The jars come from
 * Maven Central through the pom beside this file; ~/.m2 caches them between clones.
 */
export function kafkaService(config: ReelstreamConfig): LocalService {
  const dir = serviceDir(config, 'kafka');
  const libs = join(dir, `libs-${KAFKA_VERSION}`);
  const dataDir = join(dir, 'data');
  const { host, port } = splitHostPort(config.kafka.brokers[0] as string, 9092);
  const controllerPort = port + 1;

  const serverProperties = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    // Topics are declared in infra/kafka and created by `reelstream topics apply` or the runtime;
    // auto-creation would hide a misspelt topic name.
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    // One broker: no reason to delay the first rebalance of a consumer group (tests start many).
    'group.initial.rebalance.delay.ms=0',
    'log.retention.check.interval.ms=60000',
  ].join('\n');

  const log4jProperties = [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka=INFO',
    'log4j.logger.org.apache.kafka=INFO',
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.request.logger=WARN',
  ].join('\n');

  const java = () => {
    const runtime = findJava(11);
    if (!runtime) throw new StackError('kafka', 'needs Java 11 or newer (apt-get install openjdk-17-jre-headless)');
    return runtime.executable;
  };
  const classpath = () => `${libs}/*`;
  const write = () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'server.properties'), `${serverProperties}\n`);
    writeFileSync(join(dir, 'log4j.properties'), `${log4jProperties}\n`);
  };

  return {
    name: 'kafka',
    host,
    port,
    address: `${host}:${port}`,
    startTimeoutMs: 90_000,
    pidFile: join(dir, 'kafka.pid'),
    logFile: join(dir, 'kafka.log'),

    async probe() {
      const kafka = new Kafka({
        clientId: 'reelstream-stack-probe',
        brokers: [`${host}:${port}`],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1_000,
        requestTimeout: 2_000,
        retry: { retries: 0 },
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.controller === null || cluster.controller === undefined)
          throw new Error('no active controller yet');
        // A broker answers ApiVersions, but kafkajs does not expose the release; ours is known.
        return existsSync(join(dir, 'kafka.pid')) ? `Kafka ${KAFKA_VERSION}` : `Kafka (cluster ${cluster.clusterId})`;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },

    async install() {
      if (existsSync(libs) && readdirSync(libs).some((file) => file.startsWith('kafka_2.13-'))) return;
      if (!which('mvn')) throw new StackError('kafka', 'needs Maven (apt-get install maven) to fetch the Kafka jars');
      await runCommand('kafka', 'mvn', [
        '-q',
        '-B',
        '-f',
        POM,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${libs}`,
        '-DincludeScope=runtime',
      ]);
    },

    async prepare() {
      write();
      if (existsSync(join(dataDir, 'meta.properties'))) return;
      // KRaft storage must be formatted once with a cluster id before the first start.
      const clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
      await runCommand('kafka', java(), [
        '-cp',
        classpath(),
        `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        join(dir, 'server.properties'),
      ]);
    },

    launchCommand() {
      write();
      return {
        command: java(),
        args: [
          '-Xms256m',
          '-Xmx1g',
          '-XX:+UseG1GC',
          '-Djava.awt.headless=true',
          `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
          `-Dkafka.logs.dir=${dir}`,
          '-cp',
          classpath(),
          'kafka.Kafka',
          join(dir, 'server.properties'),
        ],
        cwd: dir,
      };
    },
  };
}
