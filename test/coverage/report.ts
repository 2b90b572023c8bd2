import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createCoverageMap, createCoverageSummary, type CoverageMapData } from 'istanbul-lib-coverage';
import ts from 'typescript';
// c8's report turns the raw V8 coverage Node writes (NODE_V8_COVERAGE) into istanbul's format,
// through the source maps tsx registered, merged over every process first.
import createReport from 'c8/lib/report';

/**
 * The coverage `npm test` reports: the lines jest measured in its own processes (the unit tests
 * and the in-process code of the integration tests) merged with the lines the `reelstream`
 * child processes the integration tests start ran (REELSTREAM_CHILD_COVERAGE, see
 * test/helpers/child-coverage.ts) — per top-level folder and in total, with the files that miss
 * most lines; exits 1 below the floor. Files of types only are left out: they hold no code to run.
 */
const root = resolve(__dirname, '..', '..');
const FLOOR_PERCENT = Number(process.env.REELSTREAM_COVERAGE_FLOOR ?? 90);
const jestFile = join(root, '.reelstream', 'coverage', 'jest', 'coverage-final.json');
const childDirectory = join(root, '.reelstream', 'coverage', 'children');
const sourceRoots = ['core', 'cli', 'runtime', 'processors', 'topologies', 'schemas', 'sinks', 'replay', 'infra', 'simulator'];

async function childCoverage() {
  if (!existsSync(childDirectory) || readdirSync(childDirectory).length === 0) return undefined;
  const report = createReport({
    tempDirectory: childDirectory,
    reporter: [],
    src: [root],
    include: sourceRoots.map((folder) => `${folder}/**/*.ts`),
    exclude: ['**/*.test.ts', '**/testing/**', 'schemas/types.generated.ts'],
    excludeNodeModules: true,
    mergeAsync: true,
    resolve: '',
    wrapperLength: 0,
  });
  return report.getCoverageMapFromAllCoverageFiles();
}

/**
 * Whether a source compiles to no JavaScript at all (interfaces and types only). Jest reports such a
 * file, which no process ever loads, with every line uncovered; it holds no line that could run.
 */
function typesOnly(file: string): boolean {
  const output = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, removeComments: true },
  }).outputText;
  const code = output
    .replace('"use strict";', '')
    .replace('Object.defineProperty(exports, "__esModule", { value: true });', '')
    .trim();
  return code === '';
}

async function main() {
  if (!existsSync(jestFile)) {
    console.error(`no coverage at ${jestFile}: run jest with --coverage first`);
    process.exit(1);
  }
  const map = createCoverageMap(JSON.parse(readFileSync(jestFile, 'utf8')) as CoverageMapData);
  const children = await childCoverage();
  if (children) map.merge(children);
  const byFolder = new Map<string, ReturnType<typeof createCoverageSummary>>();
  const total = createCoverageSummary();
  const missing: { file: string; lines: number }[] = [];
  for (const file of map.files()) {
    if (typesOnly(file)) continue;
    const summary = map.fileCoverageFor(file).toSummary();
    missing.push({ file: relative(root, file), lines: summary.lines.total - summary.lines.covered });
    const folder = relative(root, file).split('/')[0] as string;
    if (!byFolder.has(folder)) byFolder.set(folder, createCoverageSummary());
    byFolder.get(folder)?.merge(summary);
    total.merge(summary);
  }
  const line = (name: string, summary: ReturnType<typeof createCoverageSummary>) =>
    `  ${name.padEnd(12)} ${summary.lines.pct.toFixed(1).padStart(5)} %  (${summary.lines.covered}/${summary.lines.total})`;
  const source = children ? 'tests and the reelstream processes they started' : 'test processes only: no child coverage found';
  console.log(`\nCoverage of lines (${source}):`);
  for (const [folder, summary] of [...byFolder].sort(([a], [b]) => a.localeCompare(b))) console.log(line(folder, summary));
  console.log(line('all', total));
  console.log('Most lines not run:');
  for (const { file, lines } of missing.sort((a, b) => b.lines - a.lines).slice(0, 8))
    console.log(`  ${String(lines).padStart(5)}  ${file}`);
  if (total.lines.pct < FLOOR_PERCENT) {
    console.error(`coverage ${total.lines.pct.toFixed(1)} % of lines is below the floor of ${FLOOR_PERCENT} %`);
    process.exitCode = 1;
  }
}

void main();
