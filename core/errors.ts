/**
 * Typed errors, after kafkajs: every error says whether retrying can help (`retriable`) and keeps
 * the error that caused it. Retriers retry only retriable errors: a programmer error or a bad
 * config fails at once, a broker or server that is down is waited for.
 */
export class ReelstreamError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** The configuration (file, environment or CLI argument) is invalid. Never retriable. */
export class ConfigError extends ReelstreamError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: false });
  }
}

/**
 * A service (Kafka, Redis, ClickHouse, registry) is unreachable or answered with a failure. Retriable
 * unless the service said retrying cannot help (a fenced producer, an authorization failure).
 */
export class ServiceUnavailableError extends ReelstreamError {
  readonly service: string;

  constructor(service: string, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(`${service}: ${message}`, { cause: options.cause, retriable: options.retriable ?? true });
    this.service = service;
  }
}

/** Bringing up a local service failed in a way waiting will not fix (missing JDK, failed install). */
export class StackError extends ReelstreamError {
  readonly service: string;

  constructor(service: string, message: string, options: { cause?: unknown } = {}) {
    super(`${service}: ${message}`, { ...options, retriable: false });
    this.service = service;
  }
}

/** A sink cannot take this record whatever the retries (a key part it refuses, a value too large). */
export class RecordRefusedError extends ReelstreamError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: false });
  }
}

/** Where a record came from: every error about one record names it. */
export interface RecordCoordinates {
  topic: string;
  partition: number;
  offset: number | string;
}

/** Processing one record failed in a way that stops the application (error policy FAIL, a bug). */
export class RecordFailedError extends ReelstreamError {
  constructor(
    readonly record: RecordCoordinates,
    cause: unknown,
  ) {
    super(
      `record ${record.topic}/${record.partition}@${record.offset}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { retriable: false, cause },
    );
  }
}

export function isRetriable(error: unknown): boolean {
  return error instanceof ReelstreamError && error.retriable;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
