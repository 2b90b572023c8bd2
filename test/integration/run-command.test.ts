import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { childCoverageEnv } from '../helpers/child-coverage';
import { uniqueName } from '../helpers/unique';

/**
 * `reelstream run` against the real broker when the topology cannot start: it exits at once with a
 * fatal line naming what is wrong, on one stream thread and on several (never subscribing to a topic
 * that does not exist and waiting silently).
 */
const cli = resolve(__dirname, '..', '..', 'bin', 'reelstream.js');

function run(threads: number) {
  const missing = uniqueName('missing').replace(/_/g, '-');
  const result = spawnSync(process.execPath, [cli, 'run', 'content-hotness', '--threads', String(threads)], {
    env: {
      ...process.env,
      ...childCoverageEnv(),
      REELSTREAM_LOG_FORMAT: 'json',
      PLAYBACK_TOPIC: missing,
      CONTENT_HOTNESS_APP: uniqueName('missing-app').replace(/_/g, '-'),
    },
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { missing, status: result.status, signal: result.signal, output: `${result.stdout}${result.stderr}` };
}

describe('reelstream run, a topology that cannot start', () => {
  it.each([1, 2])('exits 1 naming a source topic that does not exist (%i stream threads)', (threads) => {
    const { missing, status, signal, output } = run(threads);
    expect(signal).toBeNull(); // not ended by the timeout: it exited by itself
    expect(status).toBe(1);
    expect(output).toContain(`reads topics that do not exist: ${missing} (create them: reelstream topics apply)`);
    expect(output).toContain('"level":60');
  });
});
