import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { StackError } from '../../core/errors';

const execFileAsync = promisify(execFile);

/** Runs an install-time command to completion; on failure the error carries its output. */
export async function runCommand(
  service: string,
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 15 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    const output = `${failure.stderr ?? ''}${failure.stdout ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new StackError(service, `\`${command} ${args.join(' ')}\` failed: ${failure.message}\n${output}`, {
      cause: error,
    });
  }
}

export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = `${dir}/${command}`;
    if (dir && existsSync(candidate)) return candidate;
  }
  for (const dir of ['/usr/sbin', '/sbin', '/usr/local/sbin']) {
    if (existsSync(`${dir}/${command}`)) return `${dir}/${command}`;
  }
  return undefined;
}

let aptUpdated = false;

/** Installs Debian packages; runs `apt-get update` once first (a fresh machine has no package lists). */
export async function aptInstall(service: string, packages: string[]): Promise<void> {
  if (process.getuid?.() !== 0 && !which('sudo')) {
    throw new StackError(service, `needs root (or sudo) to run apt-get install ${packages.join(' ')}`);
  }
  const asRoot = (args: string[]): [string, string[]] =>
    process.getuid?.() === 0 ? ['apt-get', args] : ['sudo', ['apt-get', ...args]];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    await runCommand(service, ...asRoot(['update', '-q']), { env });
    aptUpdated = true;
  }
  await runCommand(service, ...asRoot(['install', '-y', '-q', '--no-install-recommends', ...packages]), { env });
}
