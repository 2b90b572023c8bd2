import type { Type } from 'avsc';
import { EncodeError } from './decode-error';
import type { SchemaRegistryClient } from './registry-client';
import { encodeWire } from './wire-format';

/**
 * Encodes values with a schema from schemas/avro in the Confluent wire format. `init` registers (or
 * finds) the schema under its subject once; `serialize` is synchronous and validates first, so a bad
 * value fails with the paths that are wrong instead of writing garbage.
 */
export class AvroSerializer<T> {
  private schemaId: number | undefined;

  constructor(
    readonly type: Type,
    readonly subject: string,
    private readonly registry: SchemaRegistryClient,
  ) {}

  async init(): Promise<number> {
    // exportAttrs keeps defaults, docs and logical types: without them a new optional field would
    // register as a field without a default, and the registry would rightly refuse it.
    this.schemaId ??= await this.registry.register(this.subject, this.type.schema({ exportAttrs: true }));
    return this.schemaId;
  }

  get id(): number {
    if (this.schemaId === undefined) throw new Error(`serializer for ${this.subject} used before init()`);
    return this.schemaId;
  }

  encode(value: T): Buffer {
    const paths: string[] = [];
    if (!this.type.isValid(value, { errorHook: (path) => paths.push(path.join('.') || '(root)') })) {
      throw new EncodeError(`value does not match ${this.type.name}: invalid at ${paths.join(', ')}`, paths);
    }
    return encodeWire(this.id, this.type.toBuffer(value));
  }
}
