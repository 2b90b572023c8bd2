import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../core/errors';
import { environmentOverrides } from './environment';
import { configSchema, type ReelstreamConfig } from './schema';

export const DEFAULT_CONFIG_FILE = 'reelstream.config.json';

export interface LoadConfigOptions {
  /** Explicit config file; when absent, REELSTREAM_CONFIG, then ./reelstream.config.json if present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

type Tree = Record<string, unknown>;

function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}`, { cause });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${path} must hold a JSON object`);
    }
    return parsed as Tree;
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`config file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1] as string] = value;
}

/** Loads, overrides from the environment and validates; throws a ConfigError naming every bad key. */
export function loadConfig(options: LoadConfigOptions = {}): ReelstreamConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicitFile = options.file ?? env.REELSTREAM_CONFIG;
  const file = explicitFile ? resolve(cwd, explicitFile) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (explicitFile && !existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);

  const tree: Tree = existsSync(file) ? readConfigFile(file) : {};
  const setBy = new Map<string, string>();
  for (const override of environmentOverrides) {
    const raw = env[override.variable];
    if (raw === undefined || raw === '') continue;
    setPath(tree, override.path, override.parse(raw));
    setBy.set(override.path.join('.'), override.variable);
  }

  const result = configSchema.safeParse(tree);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(root)';
    const variable = [...setBy.entries()].find(([path]) => key.startsWith(path))?.[1];
    const source = variable ? ` (set by ${variable})` : existsSync(file) ? ` (in ${file})` : '';
    return `${key}: ${issue.message}${source}`;
  });
  throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}
