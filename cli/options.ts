import type { Command } from 'commander';
import { loadConfig } from '../runtime/config/load';
import type { ReelstreamConfig } from '../runtime/config/schema';

/** The validated config for a verb, honouring the global --config option. */
export function configFrom(command: Command): ReelstreamConfig {
  const { config } = command.optsWithGlobals<{ config?: string }>();
  return loadConfig({ file: config });
}
