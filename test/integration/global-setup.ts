import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateDatabase } from '../../infra/clickhouse/migrate';
import { stackUp } from '../../infra/local/stack';
import { testConfig } from '../helpers/stack';

/**
 * Brings the real stack up through the code `reelstream stack up` runs, waits for every service to
 * be healthy, applies the ClickHouse DDL, and records which services this run started, so the
 * teardown stops only those.
 */
export default async function globalSetup(): Promise<void> {
  const config = testConfig();
  const started = Date.now();
  const reports = await stackUp({ config });
  await migrateDatabase(config.clickhouse);
  const startedHere = reports.filter((report) => report.state === 'started').map((report) => report.name);
  // When every service was reused, the stack created no state directory.
  mkdirSync(config.stateDir, { recursive: true });
  writeFileSync(join(config.stateDir, 'test-started-services.json'), JSON.stringify(startedHere));
  const summary = reports.map((report) => `${report.name}=${report.state} (${report.version})`).join(', ');
  console.log(`\nintegration stack ready in ${Date.now() - started} ms: ${summary}`);
}
