import type { Resolver, Type } from 'avsc';
import avro from 'avsc';
import { DecodeError } from './decode-error';
import type { SchemaRegistryClient } from './registry-client';
import { HEADER_BYTES, readSchemaId } from './wire-format';

export interface AvroDeserializerOptions {
  /** Larger messages are rejected as `oversized` before any parsing. Default 1 MiB. */
  maxMessageBytes?: number;
  /** How long an id the registry did not know stays unknown before it is asked again. Default 60 s. */
  unknownIdRetryMs?: number;
  now?: () => number;
}

/** A resolved id, or a failure remembered until `retryAt` (never, for an incompatible schema). */
type Resolution = { resolver: Resolver } | { failure: DecodeError; retryAt: number };

/**
 * Decodes Confluent-wire-format Avro into the reader schema from schemas/avro, whatever writer
 * version produced it. As docs/runtime.md describes, the hot path is synchronous: `prepare(batch)` resolves each
 * writer schema id once (the only await, at a batch boundary), then `decode` runs without I/O.
 *
 * `decode` throws only DecodeError (a reason for the DLQ), never anything else.
 */
export class AvroDeserializer<T> {
  private readonly resolutions = new Map<number, Resolution>();
  private readonly maxMessageBytes: number;
  private readonly unknownIdRetryMs: number;
  private readonly now: () => number;

  constructor(
    readonly reader: Type,
    private readonly registry: SchemaRegistryClient,
    options: AvroDeserializerOptions = {},
  ) {
    this.maxMessageBytes = options.maxMessageBytes ?? 1024 * 1024;
    this.unknownIdRetryMs = options.unknownIdRetryMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Resolves every writer schema id in the batch not seen before. Registry outages propagate (retriable). */
  async prepare(messages: readonly (Buffer | null | undefined)[]): Promise<void> {
    const pending = new Set<number>();
    for (const message of messages) {
      if (!message || message.length < HEADER_BYTES || message.length > this.maxMessageBytes || message[0] !== 0)
        continue;
      const id = message.readInt32BE(1);
      const known = this.resolutions.get(id);
      if (!known || ('failure' in known && this.now() >= known.retryAt)) pending.add(id);
    }
    await Promise.all([...pending].map((id) => this.resolve(id)));
  }

  private async resolve(id: number): Promise<void> {
    const schema = await this.registry.schemaById(id);
    if (schema === undefined) {
      const failure = new DecodeError('unknown-schema-id', `schema id ${id} is not in the registry`, id);
      this.resolutions.set(id, { failure, retryAt: this.now() + this.unknownIdRetryMs });
      return;
    }
    try {
      const writer = avro.Type.forSchema(schema);
      this.resolutions.set(id, { resolver: this.reader.createResolver(writer) });
    } catch (cause) {
      const failure = new DecodeError(
        'incompatible-writer-schema',
        `writer schema ${id} cannot be read as ${this.reader.name ?? 'the reader schema'}: ${(cause as Error).message}`,
        id,
        cause,
      );
      this.resolutions.set(id, { failure, retryAt: Number.POSITIVE_INFINITY }); // an id's schema never changes
    }
  }

  /** True once `prepare` has seen the id (resolved or known to fail). */
  isPrepared(message: Buffer): boolean {
    return message.length >= HEADER_BYTES && this.resolutions.has(message.readInt32BE(1));
  }

  decode(message: Buffer | null | undefined): T {
    if (message === null || message === undefined)
      throw new DecodeError('null-value', 'the value is null, where a record is required');
    if (message.length > this.maxMessageBytes) {
      throw new DecodeError(
        'oversized',
        `message of ${message.length} bytes exceeds the limit of ${this.maxMessageBytes}`,
      );
    }
    const id = readSchemaId(message);
    const resolution = this.resolutions.get(id);
    if (!resolution) {
      // A caller that skipped prepare(): a programming error, reported as unknown rather than thrown raw.
      throw new DecodeError(
        'unknown-schema-id',
        `schema id ${id} was not resolved before decoding (call prepare first)`,
        id,
      );
    }
    if ('failure' in resolution) throw resolution.failure;
    try {
      return this.reader.fromBuffer(message.subarray(HEADER_BYTES), resolution.resolver) as T;
    } catch (cause) {
      const text = (cause as Error).message ?? String(cause);
      const reason = /truncated/i.test(text) ? 'truncated' : 'invalid-avro';
      throw new DecodeError(reason, `schema id ${id}: ${text}`, id, cause);
    }
  }
}
