import { resolve } from 'node:path';
import type { ReelstreamConfig } from '../../runtime/config/schema';

/** Everything the local stack writes lives under one ignored state directory (default .reelstream/). */
export function stateDirOf(config: ReelstreamConfig): string {
  return resolve(config.stateDir);
}

export function serviceDir(config: ReelstreamConfig, service: string): string {
  return resolve(stateDirOf(config), service);
}

/** Splits `host:port` (IPv6 in brackets allowed). */
export function splitHostPort(address: string, defaultPort: number): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address);
  if (!match) return { host: address, port: defaultPort };
  return { host: match[1] as string, port: match[2] ? Number(match[2]) : defaultPort };
}

export function urlHostPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port ? Number(parsed.port) : defaultPort };
}
