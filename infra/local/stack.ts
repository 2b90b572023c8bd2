import { StackError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import type { ReelstreamConfig } from '../../runtime/config/schema';
import { isPortOpen, waitFor } from './probes';
import { managedPid, startDetached, stopProcess, tailOfFile } from './processes';
import type { LocalService, ServiceReport } from './service';
import { localServices } from './services';

const log = createLogger('stack');

/** Hosts the stack may start a server on; anything else is someone else's server: probe only. */
function isLocalHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}

async function probeVersion(service: LocalService): Promise<string | undefined> {
  try {
    return await service.probe();
  } catch {
    return undefined;
  }
}

/** Brings one service up: reuse what answers, otherwise install, prepare, launch and wait for health. */
export async function upService(service: LocalService): Promise<ServiceReport> {
  const base = { name: service.name, address: service.address };
  const runningPid = managedPid(service.pidFile);
  const version = await probeVersion(service);
  if (version !== undefined) {
    return {
      ...base,
      state: runningPid ? 'running' : 'reused',
      managed: runningPid !== undefined,
      healthy: true,
      version,
    };
  }
  if (!isLocalHost(service.host)) {
    throw new StackError(service.name, `${service.address} does not answer, and it is not on this machine to start`);
  }
  if (runningPid === undefined && (await isPortOpen(service.host, service.port))) {
    // Something holds the port: perhaps the service is still starting. Give it a moment, then refuse
    // rather than start a second server that would fail to bind.
    const lateVersion = await waitFor(() => service.probe(), { timeoutMs: 10_000 }).catch(() => undefined);
    if (lateVersion !== undefined)
      return { ...base, state: 'reused', managed: false, healthy: true, version: lateVersion };
    throw new StackError(
      service.name,
      `port ${service.port} is in use by a process that does not answer as ${service.name}; stop it or configure another address`,
    );
  }

  let pid = runningPid;
  if (pid === undefined) {
    log.info({ service: service.name }, 'installing if needed');
    await service.install();
    await service.prepare?.();
    pid = startDetached({ ...service.launchCommand(), pidFile: service.pidFile, logFile: service.logFile });
    log.info({ service: service.name, pid, log: service.logFile }, 'started');
  }
  const startedPid = pid;
  try {
    const readyVersion = await waitFor(() => service.probe(), {
      timeoutMs: service.startTimeoutMs,
      intervalMs: 500,
      abortIf: () => (managedPid(service.pidFile) === undefined ? `process ${startedPid} exited` : undefined),
    });
    return { ...base, state: runningPid ? 'running' : 'started', managed: true, healthy: true, version: readyVersion };
  } catch (error) {
    throw new StackError(
      service.name,
      `did not become healthy: ${(error as Error).message}\nlast lines of ${service.logFile}:\n${tailOfFile(service.logFile)}`,
      { cause: error },
    );
  }
}

export async function statusOf(service: LocalService): Promise<ServiceReport> {
  const managed = managedPid(service.pidFile) !== undefined;
  const version = await probeVersion(service);
  const base = { name: service.name, address: service.address, managed };
  if (version !== undefined) return { ...base, state: managed ? 'running' : 'reused', healthy: true, version };
  return { ...base, state: managed ? 'unhealthy' : 'not running', healthy: false };
}

export async function downService(service: LocalService): Promise<ServiceReport> {
  const stopped = await stopProcess(service.pidFile);
  const report = await statusOf(service);
  if (stopped) return { ...report, state: 'stopped', managed: false };
  return { ...report, detail: report.healthy ? 'left running: not started by reelstream' : undefined };
}

export interface StackOptions {
  config: ReelstreamConfig;
  /** Limit to these services (by name); all four by default. */
  only?: string[];
}

function selected(options: StackOptions): LocalService[] {
  const services = localServices(options.config);
  if (!options.only || options.only.length === 0) return services;
  const unknown = options.only.filter((name) => !services.some((service) => service.name === name));
  if (unknown.length > 0) {
    throw new StackError(
      'stack',
      `unknown service ${unknown.join(', ')}; known: ${services.map((s) => s.name).join(', ')}`,
    );
  }
  return services.filter((service) => options.only?.includes(service.name));
}

/**
 * Starts every service, in parallel (they do not depend on each other), and reports each one.
 * Fails after all have been tried, naming every service that did not come up.
 */
export async function stackUp(
  options: StackOptions,
  /** Called as each service is up (installed, downloaded, started or reused, and healthy). */
  onServiceUp: (report: ServiceReport, up: number, of: number) => void = () => undefined,
): Promise<ServiceReport[]> {
  const services = selected(options);
  let up = 0;
  const results = await Promise.allSettled(
    services.map(async (service) => {
      const report = await upService(service);
      onServiceUp(report, (up += 1), services.length);
      return report;
    }),
  );
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []));
  if (failures.length > 0) {
    throw new StackError('stack', `could not bring up:\n${failures.map((error) => `- ${error.message}`).join('\n')}`);
  }
  return results.map((result) => (result as PromiseFulfilledResult<ServiceReport>).value);
}

export async function stackStatus(options: StackOptions): Promise<ServiceReport[]> {
  return Promise.all(selected(options).map((service) => statusOf(service)));
}

export async function stackDown(options: StackOptions): Promise<ServiceReport[]> {
  return Promise.all(selected(options).map((service) => downService(service)));
}
