import { InvalidArgumentError, type Command } from 'commander';
import { loadTopology, topologyNames } from '../topology-loader';
import type { DescribeFormat } from '../../runtime/topology/describe';

const FORMATS: readonly DescribeFormat[] = ['text', 'mermaid', 'json'];

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
