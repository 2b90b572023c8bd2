import { existsSync, readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError } from '../../runtime/errors';
import type { DefinedTopology } from '../../runtime/dsl/define-topology';
import type { DescribeFormat } from '../../runtime/topology/describe';

const TOPOLOGIES_DIR = resolve(__dirname, '..', '..', 'topologies');
const FORMATS: readonly DescribeFormat[] = ['text', 'mermaid', 'json'];

/** The topology modules in topologies/ (by name), for `describe` and later `run`. */
export function topologyNames(): string[] {
  return readdirSync(TOPOLOGIES_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => basename(file, '.ts'))
    .sort();
}

/** Loads a topology by name (topologies/<name>.ts) or by path; its default export must be a defined topology. */
export function loadTopology(nameOrPath: string): DefinedTopology {
  const byName = resolve(TOPOLOGIES_DIR, `${nameOrPath}.ts`);
  const path = existsSync(byName) ? byName : resolve(nameOrPath);
  if (!existsSync(path)) {
    throw new ConfigError(
      `no topology "${nameOrPath}": known topologies are ${topologyNames().join(', ')} (or give a file path)`,
    );
  }
  const module = require(path) as { default?: DefinedTopology };
  if (!module.default || typeof module.default.describe !== 'function') {
    throw new ConfigError(`${path} does not default-export a topology made with defineTopology()`);
  }
  return module.default;
}

function parseFormat(value: string): DescribeFormat {
  if (!FORMATS.includes(value as DescribeFormat))
    throw new InvalidArgumentError(`expected one of ${FORMATS.join(', ')}`);
  return value as DescribeFormat;
}

export function registerDescribeCommand(program: Command): void {
  program
    .command('describe')
    .description('print a topology as text, Mermaid or JSON (every topology in topologies/ when none is named)')
    .argument('[topology]', 'a name in topologies/ or a path to a topology module')
    .option('-f, --format <format>', 'text | mermaid | json', parseFormat, 'text' as DescribeFormat)
    .action((name: string | undefined, options: { format: DescribeFormat }) => {
      const names = name ? [name] : topologyNames();
      const described = names.map((each) => loadTopology(each).describe(options.format));
      console.log(described.join('\n\n'));
    });
}
