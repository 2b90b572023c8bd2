import { existsSync, readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ConfigError } from '../core/errors';
import type { DefinedTopology } from '../runtime/dsl/define-topology';

const TOPOLOGIES_DIR = resolve(__dirname, '..', 'topologies');

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
