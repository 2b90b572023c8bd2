import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureTool } from '../../infra/local/tools';

const run = promisify(execFile);
const rules = join(__dirname, '..', '..', 'infra', 'prometheus');

/**
 * The alert rules (infra/prometheus/alerts.yml) with Debian's promtool, installed by the project's
 * own code (`reelstream tools install`) on a machine that lacks it: `check rules` and the rule unit
 * tests of alerts.test.yml (each KPI over its target, a region falling silent while the others hold
 * and not when all do, the pipeline's lag, DLQ rate and stalled commit).
 */
describe('Prometheus alert rules', () => {
  it('pass promtool check rules and promtool test rules', async () => {
    const promtool = await ensureTool('promtool');
    const check = await run(promtool, ['check', 'rules', 'alerts.yml'], { cwd: rules });
    expect(check.stdout).toMatch(/SUCCESS: 10 rules found/);
    const tested = await run(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: rules });
    expect(`${tested.stdout}${tested.stderr}`).toMatch(/SUCCESS/);
  }, 600_000);
});
