import { Command, CommanderError } from 'commander';
import { ReelstreamError, RecordFailedError, describeError } from '../core/errors';
import { createLogger } from '../core/logging';
import { registerCacheCommand } from './commands/cache';
import { registerCatalogCommand } from './commands/catalog';
import { registerDemoCommand } from './commands/demo';
import { registerDescribeCommand } from './commands/describe';
import { registerMigrateCommand } from './commands/migrate';
import { registerProbeCommand } from './commands/probe';
import { registerRunCommand } from './commands/run';
import { registerSchemasCommand } from './commands/schemas';
import { registerSimulateCommand } from './commands/simulate';
import { registerStackCommand } from './commands/stack';
import { registerToolsCommand } from './commands/tools';
import { registerResetCommand } from './commands/reset';
import { registerRebuildCommand } from './commands/rebuild';
import { registerReplayCommand } from './commands/replay';
import { registerDashboardCommand } from './commands/dashboard';
import { registerTopicsCommand } from './commands/topics';
import { registerValidateCommand } from './commands/validate';

/** Builds the `reelstream` program; each verb lives in cli/commands/<verb>.ts. */
export function buildProgram(): Command {
  const program = new Command('reelstream')
    .description('Kafka Streams-style stream processing for TypeScript, and the media-analytics pipeline on it')
    .option('-c, --config <file>', 'config file (JSON); default ./reelstream.config.json when present')
    .showHelpAfterError()
    .exitOverride();
  registerStackCommand(program);
  registerToolsCommand(program);
  registerTopicsCommand(program);
  registerMigrateCommand(program);
  registerSchemasCommand(program);
  registerDescribeCommand(program);
  registerRunCommand(program);
  registerResetCommand(program);
  registerRebuildCommand(program);
  registerReplayCommand(program);
  registerDashboardCommand(program);
  registerCatalogCommand(program);
  registerCacheCommand(program);
  registerSimulateCommand(program);
  registerValidateCommand(program);
  registerProbeCommand(program);
  registerDemoCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed the usage error; help and --version exit 0.
      process.exitCode = error.exitCode;
      return;
    }
    // A structured line like every other log line (on a terminal, a readable one), naming the record
    // when one record was the cause.
    const prefix = error instanceof ReelstreamError ? `${error.name}: ` : 'error: ';
    const record = error instanceof RecordFailedError ? error.record : undefined;
    createLogger('reelstream').fatal({ err: error, record }, `${prefix}${describeError(error)}`);
    process.exitCode = 1;
  }
}
