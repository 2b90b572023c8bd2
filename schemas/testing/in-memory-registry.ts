import type { Schema } from 'avsc';
import { ServiceUnavailableError } from '../../core/errors';
import type { SchemaRegistryClient } from '../serde/registry-client';

/** A registry double for unit tests; integration tests use the real registry. */
export class InMemoryRegistry implements SchemaRegistryClient {
  readonly schemas = new Map<number, Schema>();
  lookups = 0;
  down = false;

  async schemaById(id: number) {
    this.lookups += 1;
    if (this.down) throw new ServiceUnavailableError('schema-registry', 'connect ECONNREFUSED');
    return this.schemas.get(id);
  }
  async register(_subject: string, schema: Schema) {
    for (const [id, known] of this.schemas) if (JSON.stringify(known) === JSON.stringify(schema)) return id;
    const id = this.schemas.size + 1;
    this.schemas.set(id, schema);
    return id;
  }
  async latest() {
    return undefined;
  }
  async setCompatibility() {}
}
