import type { DetachedCommand } from './processes';

/**
 * One service of the local stack. A service only says how to install, launch and probe itself;
 * the orchestration shared by all of them (reuse, pid files, health waits, stop) lives in stack.ts.
 */
export interface LocalService {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Shown by `stack status`, e.g. `127.0.0.1:9092` or `http://127.0.0.1:8123`. */
  readonly address: string;
  /** Resolves to the server's version when it answers as this service should; throws otherwise. */
  probe(): Promise<string>;
  /** Makes the binaries available (downloads, apt-get); idempotent and cached. */
  install(): Promise<void>;
  /** One-time preparation of the data directory (e.g. formatting Kafka's KRaft storage). */
  prepare?(): Promise<void>;
  /** The command line that runs the server in the foreground (the stack detaches it). */
  launchCommand(): Omit<DetachedCommand, 'pidFile' | 'logFile'>;
  /** How long a cold start may take on a 2-core machine. */
  readonly startTimeoutMs: number;
  /** Where the stack keeps this service's pid and log. */
  readonly pidFile: string;
  readonly logFile: string;
}

export type ServiceState = 'started' | 'running' | 'reused' | 'stopped' | 'unhealthy' | 'not running';

export interface ServiceReport {
  name: string;
  address: string;
  state: ServiceState;
  /** True when this stack started the process (and `stack down` would stop it). */
  managed: boolean;
  healthy: boolean;
  version?: string;
  detail?: string;
}
