import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createCoverageMap, createCoverageSummary, type CoverageMapData } from 'istanbul-lib-coverage';

/**
 * The coverage `npm test` reports: lines jest measured in its own processes — the unit tests and
 * the in-process code of the integration tests — per top-level folder and in total; exits 1 below
 * the floor. What only the `reelstream run` processes the integration suites start execute is not
 * in it (docs/testing.md says why).
 */
const root = resolve(__dirname, '..', '..');
const FLOOR_PERCENT = Number(process.env.REELSTREAM_COVERAGE_FLOOR ?? 80);
const jestFile = join(root, '.reelstream', 'coverage', 'jest', 'coverage-final.json');

if (!existsSync(jestFile)) {
  console.error(`no coverage at ${jestFile}: run jest with --coverage first`);
  process.exit(1);
}
const map = createCoverageMap(JSON.parse(readFileSync(jestFile, 'utf8')) as CoverageMapData);
const byFolder = new Map<string, ReturnType<typeof createCoverageSummary>>();
const total = createCoverageSummary();
for (const file of map.files()) {
  const summary = map.fileCoverageFor(file).toSummary();
  const folder = relative(root, file).split('/')[0] as string;
  if (!byFolder.has(folder)) byFolder.set(folder, createCoverageSummary());
  byFolder.get(folder)?.merge(summary);
  total.merge(summary);
}
const line = (name: string, summary: ReturnType<typeof createCoverageSummary>) =>
  `  ${name.padEnd(12)} ${summary.lines.pct.toFixed(1).padStart(5)} %  (${summary.lines.covered}/${summary.lines.total})`;
console.log('\nCoverage of lines (unit tests, and the integration tests in their own processes):');
for (const [folder, summary] of [...byFolder].sort(([a], [b]) => a.localeCompare(b))) console.log(line(folder, summary));
console.log(line('all', total));
if (total.lines.pct < FLOOR_PERCENT) {
  console.error(`coverage ${total.lines.pct.toFixed(1)} % of lines is below the floor of ${FLOOR_PERCENT} %`);
  process.exitCode = 1;
}
