import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Schema } from 'avsc';
import { TimeoutMiddleware } from 'mappersmith/middleware/timeout';
import { ReelstreamError, ServiceUnavailableError } from '../../core/errors';

export type CompatibilityLevel = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'NONE';

export interface RegisteredSchema {
  id: number;
  version: number;
  schema: Schema;
}

/**
 * The registry operations reelstream needs, over the Confluent-compatible REST API (Confluent's
 * registry, or Apicurio's /apis/ccompat/v7). A registry that does not answer is a retriable
 * ServiceUnavailableError: callers wait, they never dead-letter a record because of it.
 */
export interface SchemaRegistryClient {
  /** The schema registered under `id`, or undefined if the registry has no such id. */
  schemaById(id: number): Promise<Schema | undefined>;
  register(subject: string, schema: Schema): Promise<number>;
  latest(subject: string): Promise<RegisteredSchema | undefined>;
  setCompatibility(subject: string, level: CompatibilityLevel): Promise<void>;
}

export interface RegistryConnection {
  url: string;
  username?: string;
  password?: string;
  /** Per request; default REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** How long any registry request may take before it fails (retriable). */
export const REQUEST_TIMEOUT_MS = 10_000;

/** What Apicurio answers a registration that raced with another creating the same subject. */
const CREATION_RACE = [/Compatibility does not match the configuration/, /A rule named 'COMPATIBILITY' already exists/];

class HttpSchemaRegistryClient implements SchemaRegistryClient {
  private readonly registry: SchemaRegistry;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(private readonly connection: RegistryConnection) {
    this.timeoutMs = connection.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const auth = connection.username
      ? { username: connection.username, password: connection.password ?? '' }
      : undefined;
    // Every request has a timeout: without one, a registry that accepts the connection and never
    // answers would hang a register call (and the command) indefinitely.
    this.registry = new SchemaRegistry({
      host: connection.url,
      auth,
      retry: { retries: 2 },
      middlewares: [TimeoutMiddleware(this.timeoutMs)],
    });
    this.headers = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };
    if (auth)
      this.headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  }

  private async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${this.connection.url}${path}`, {
        method,
        headers: this.headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new ServiceUnavailableError('schema-registry', `${method} ${path}: ${(cause as Error).message}`, { cause });
    }
    const text = await response.text();
    if (response.status >= 500)
      throw new ServiceUnavailableError(
        'schema-registry',
        `${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`,
      );
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: response.status, json };
  }

  async schemaById(id: number): Promise<Schema | undefined> {
    const { status, json } = await this.request('GET', `/schemas/ids/${id}`);
    if (status === 404) return undefined;
    if (status !== 200)
      throw new ReelstreamError(`schema-registry: GET /schemas/ids/${id} answered ${status}: ${JSON.stringify(json)}`);
    return JSON.parse((json as { schema: string }).schema) as Schema;
  }

  async register(subject: string, schema: Schema): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { id } = await this.registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject },
        );
        return id;
      } catch (cause) {
        const message = (cause as Error).message;
        // Two processes registering a new subject at once (stream threads starting together) race
        // inside the registry: one reads the subject's compatibility after the other created the
        // subject and before it set it, or both add the subject's compatibility rule. Try again
        // shortly: the subject exists by then and registering the same schema is idempotent; a
        // subject really configured otherwise still fails after a few tries.
        if (CREATION_RACE.some((race) => race.test(message)) && attempt < 5) {
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
          continue;
        }
        if (/ECONNREFUSED|ETIMEDOUT|socket hang up|fetch failed|Timeout/i.test(message))
          throw new ServiceUnavailableError('schema-registry', message, { cause });
        throw new ReelstreamError(`schema-registry: cannot register ${subject}: ${message}`, { cause });
      }
    }
  }

  async latest(subject: string): Promise<RegisteredSchema | undefined> {
    const { status, json } = await this.request('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
    if (status === 404) return undefined;
    if (status !== 200)
      throw new ReelstreamError(`schema-registry: latest of ${subject} answered ${status}: ${JSON.stringify(json)}`);
    const body = json as { id: number; version: number; schema: string };
    return { id: body.id, version: body.version, schema: JSON.parse(body.schema) as Schema };
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    const { status, json } = await this.request('PUT', `/config/${encodeURIComponent(subject)}`, {
      compatibility: level,
    });
    if (status !== 200)
      throw new ReelstreamError(
        `schema-registry: set compatibility of ${subject} answered ${status}: ${JSON.stringify(json)}`,
      );
  }
}

export function connectSchemaRegistry(connection: RegistryConnection): SchemaRegistryClient {
  return new HttpSchemaRegistryClient(connection);
}
