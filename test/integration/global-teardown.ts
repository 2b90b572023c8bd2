import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stackDown } from '../../infra/local/stack';
import { testConfig } from '../helpers/stack';

/**
 * Stops the services that this test run started (and only those). REELSTREAM_KEEP_STACK=1 keeps
 * them running for a fast edit-test loop; services that were already up are never touched.
 */
export default async function globalTeardown(): Promise<void> {
  const config = testConfig();
  const file = join(config.stateDir, 'test-started-services.json');
  if (!existsSync(file)) return;
  const startedHere = JSON.parse(readFileSync(file, 'utf8')) as string[];
  rmSync(file);
  if (process.env.REELSTREAM_KEEP_STACK === '1' || startedHere.length === 0) return;
  await stackDown({ config, only: startedHere });
}
