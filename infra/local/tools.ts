import { ConfigError } from '../../core/errors';
import { aptInstall, which } from './commands';

/**
 * The operations tools the project uses beside the stack, from Debian's packages: promtool (checks
 * and unit-tests infra/prometheus/alerts.yml) and Chromium (the dashboard's browser test, driven by
 * playwright-core; never a browser download of its own). `reelstream tools install` installs them;
 * the tests that need one call ensureTool, the same code.
 */
export const TOOLS = {
  promtool: { binary: 'promtool', debianPackage: 'prometheus' },
  chromium: { binary: 'chromium', debianPackage: 'chromium' },
} as const;

export type ToolName = keyof typeof TOOLS;

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(TOOLS, name);
}

/** The tool's path, installed first when the machine does not have it. */
export async function ensureTool(name: ToolName): Promise<string> {
  const { binary, debianPackage } = TOOLS[name];
  const found = which(binary);
  if (found) return found;
  await aptInstall(name, [debianPackage]);
  const installed = which(binary);
  if (!installed)
    throw new ConfigError(`${name}: installed Debian's ${debianPackage}, yet ${binary} is not on the PATH`);
  return installed;
}
