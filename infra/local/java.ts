import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A Java runtime on this machine and its feature version (17, 21, 25 ...). */
export interface JavaRuntime {
  executable: string;
  majorVersion: number;
}

export function javaMajorVersion(executable: string): number | undefined {
  // `java -version` prints to stderr, e.g. `openjdk version "17.0.15" 2025-04-15`.
  const result = spawnSync(executable, ['-version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error) return undefined;
  return parseJavaVersion(`${result.stderr ?? ''}${result.stdout ?? ''}`);
}

export function parseJavaVersion(text: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first; // "1.8.0" is Java 8
}

function candidates(): string[] {
  const found: string[] = [];
  if (process.env.JAVA_HOME) found.push(join(process.env.JAVA_HOME, 'bin', 'java'));
  found.push('java');
  const jvmRoot = '/usr/lib/jvm';
  if (existsSync(jvmRoot)) {
    for (const entry of readdirSync(jvmRoot).sort()) found.push(join(jvmRoot, entry, 'bin', 'java'));
  }
  return found;
}

/** The first Java runtime at or above `minimumMajor`: JAVA_HOME, then PATH, then /usr/lib/jvm/*. */
export function findJava(minimumMajor: number): JavaRuntime | undefined {
  for (const executable of candidates()) {
    if (executable !== 'java' && !existsSync(executable)) continue;
    const majorVersion = javaMajorVersion(executable);
    if (majorVersion !== undefined && majorVersion >= minimumMajor) return { executable, majorVersion };
  }
  return undefined;
}
