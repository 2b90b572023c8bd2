import { ConfigError } from '../../core/errors';
import { avroType } from '../../schemas/catalog';
import { AvroSerializer } from '../../schemas/serde/avro-serializer';
import type { SchemaRegistryClient } from '../../schemas/serde/registry-client';
import type { Topology } from '../topology/topology';
import { encodeJson } from './record-codec';

/**
 * How each output topic's records become bytes. A topic the topology writes with a schema
 * (`to(avroTopic(topic, schema))`) gets Avro values in the Confluent wire format under the subject
 * `<topic>-value` and string keys as plain UTF-8, as any other producer of that topic writes them;
 * every other output is JSON. `init` registers (or finds) each schema once, before the first record;
 * `encode` is synchronous and throws EncodeError for a value that does not match its schema.
 */
export class OutputEncoders {
  private readonly avro = new Map<string, AvroSerializer<unknown>>();

  constructor(topology: Topology, registry: SchemaRegistryClient | undefined) {
    for (const node of topology.nodes.values()) {
      if (node.kind !== 'topic-sink' || node.internalTopic || !node.valueSchema) continue;
      if (!registry)
        throw new ConfigError(
          `schemaRegistry.url: topology "${topology.name}" writes ${node.topics.join(', ')} as Avro (${node.valueSchema}); set SCHEMA_REGISTRY_URL`,
        );
      for (const topic of node.topics)
        this.avro.set(topic, new AvroSerializer(avroType(node.valueSchema), `${topic}-value`, registry));
    }
  }

  async init(): Promise<void> {
    for (const serializer of this.avro.values()) await serializer.init();
  }

  encode(topic: string, key: unknown, value: unknown): { key: Buffer | null; value: Buffer | null } {
    const serializer = this.avro.get(topic);
    if (!serializer) return { key: encodeJson(key), value: encodeJson(value) };
    return {
      key: typeof key === 'string' ? Buffer.from(key) : encodeJson(key),
      value: value === null || value === undefined ? null : serializer.encode(value),
    };
  }
}
