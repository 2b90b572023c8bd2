import type { Command } from 'commander';
import { ConfigError } from '../../core/errors';
import { ensureTool, isToolName, TOOLS, type ToolName } from '../../infra/local/tools';

export function registerToolsCommand(program: Command): void {
  program
    .command('tools')
    .description('operations tools from Debian packages: promtool (alert rules) and chromium (the dashboard test)')
    .command('install')
    .argument('[tools...]', `which (default all): ${Object.keys(TOOLS).join(', ')}`)
    .description('install what is missing (apt-get; needs root or sudo) and print where each is')
    .action(async (names: string[]) => {
      const wanted = names.length === 0 ? (Object.keys(TOOLS) as ToolName[]) : names;
      for (const name of wanted)
        if (!isToolName(name))
          throw new ConfigError(`tools install: unknown tool "${name}" (known: ${Object.keys(TOOLS).join(', ')})`);
      for (const name of wanted as ToolName[]) console.log(`${name}: ${await ensureTool(name)}`);
    });
}
