import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ReelstreamConfig } from '../../runtime/config/schema';
import { StackError } from '../../core/errors';
import { runCommand, which } from './commands';
import { findJava } from './java';
import { serviceDir, urlHostPort } from './paths';
import { httpGet } from './probes';
import type { LocalService } from './service';

/**
 * Apicurio Registry 3.x, the runnable Quarkus app Maven Central publishes as
 * io.apicurio:apicurio-registry-app:<version>:tar.gz:all. Clients use its Confluent-compatible API
 * under /apis/ccompat/v7. 3.3.x is compiled for Java 21, so a JDK >= 21 is looked up on the machine
 * (JAVA_HOME, PATH, /usr/lib/jvm). 3.0.9, the only older 3.x there, cannot be fetched with Maven:
 * its parent POM is missing from Central.
 */
export const APICURIO_VERSION = '3.3.3';
const APICURIO_ARTIFACT = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`;
const MINIMUM_JAVA = 21;

export function schemaRegistryService(config: ReelstreamConfig): LocalService {
  const dir = serviceDir(config, 'schema-registry');
  const appDir = join(dir, `apicurio-${APICURIO_VERSION}`);
  const { host, port } = urlHostPort(config.schemaRegistry.url, 8081);
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const java = () => {
    const runtime = findJava(MINIMUM_JAVA);
    if (!runtime) {
      throw new StackError(
        'schema-registry',
        `Apicurio Registry ${APICURIO_VERSION} needs Java ${MINIMUM_JAVA}+; none found in JAVA_HOME, PATH or /usr/lib/jvm`,
      );
    }
    return runtime.executable;
  };

  return {
    name: 'schema-registry',
    host,
    port,
    address: `${origin}/apis/ccompat/v7`,
    startTimeoutMs: 120_000,
    pidFile: join(dir, 'schema-registry.pid'),
    logFile: join(dir, 'schema-registry.log'),

    async probe() {
      // The ccompat API proves the Confluent-compatible surface the serdes use is up.
      await httpGet(`${origin}/apis/ccompat/v7/subjects`);
      try {
        const info = JSON.parse(await httpGet(`${origin}/apis/registry/v3/system/info`)) as { version?: string };
        return `Apicurio Registry ${info.version ?? '(unknown version)'}`;
      } catch {
        return 'Confluent-compatible registry'; // a cp-schema-registry, for instance
      }
    },

    async install() {
      java(); // fail before a 160 MB download if it could not run anyway
      if (existsSync(join(appDir, 'quarkus-run.jar'))) return;
      if (!which('mvn'))
        throw new StackError('schema-registry', 'needs Maven (apt-get install maven) to fetch Apicurio');
      const download = join(dir, 'download');
      mkdirSync(download, { recursive: true });
      await runCommand('schema-registry', 'mvn', [
        '-q',
        '-B',
        'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy',
        `-Dartifact=${APICURIO_ARTIFACT}`,
        `-DoutputDirectory=${download}`,
      ]);
      const archive = readdirSync(download).find((file) => file.endsWith('.tar.gz'));
      if (!archive) throw new StackError('schema-registry', `Maven did not deliver ${APICURIO_ARTIFACT}`);
      mkdirSync(appDir, { recursive: true });
      await runCommand('schema-registry', 'tar', ['-xzf', join(download, archive), '-C', appDir]);
    },

    launchCommand() {
      return {
        command: java(),
        args: [
          '-Xms128m',
          '-Xmx512m',
          `-Dquarkus.http.host=${host}`,
          `-Dquarkus.http.port=${port}`,
          // Apicurio's build enables the Quarkus management interface (health, metrics) on
          // 0.0.0.0:9000, which is ClickHouse's native port: move it beside the API, on loopback.
          `-Dquarkus.management.host=${host}`,
          `-Dquarkus.management.port=${port + 1}`,
          // Schemas must outlive a restart: Kafka keeps records that carry their ids.
          '-Dapicurio.storage.kind=sql',
          '-Dapicurio.storage.sql.kind=h2',
          `-Dapicurio.datasource.url=jdbc:h2:file:${join(dir, 'data', 'registry')};AUTO_SERVER=FALSE`,
          '-Dapicurio.datasource.username=sa',
          '-Dapicurio.datasource.password=sa',
          '-jar',
          join(appDir, 'quarkus-run.jar'),
        ],
        cwd: dir,
      };
    },
  };
}
