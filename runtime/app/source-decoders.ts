import { avroType } from '../../schemas/catalog';
import { AvroDeserializer } from '../../schemas/serde/avro-deserializer';
import { DecodeError } from '../../schemas/serde/decode-error';
import type { SchemaRegistryClient } from '../../schemas/serde/registry-client';
import { ConfigError } from '../../core/errors';
import type { ConsumedRecord } from '../kafka/transport';
import type { Topology } from '../topology/topology';
import { decodeInternal, decodeJson, decodeSourceKey } from './record-codec';

/**
 * How each source topic's bytes become a key and a value. Source keys are UTF-8 strings; values are
 * Avro where the topology names a schema (`valueSchema`), else JSON. The application's own topics
 * (repartition) carry MessagePack (record-codec.ts). A null value on a topic read as a table (global or
 * not) is a tombstone — a delete — and stays null. `prepare` is the batch's only await: it resolves the
 * writer schema ids it has not seen (see docs/runtime.md); `decode` is synchronous and throws only DecodeError.
 */
export class SourceDecoders {
  private readonly avro = new Map<string, AvroDeserializer<unknown>>();
  /** Topics read as tables (global or not): a null value there is a delete, not a bad record. */
  private readonly tableTopics = new Set<string>();

  constructor(
    topology: Topology,
    private readonly internalTopics: ReadonlySet<string>,
    registry: SchemaRegistryClient | undefined,
  ) {
    for (const node of topology.nodes.values()) {
      if (
        node.kind === 'source' &&
        (node.operator === 'table-source' || node.operator === 'global-source' || node.tombstones)
      )
        for (const topic of node.topics) this.tableTopics.add(topic);
      if (node.kind !== 'source' || !node.valueSchema) continue;
      if (!registry)
        throw new ConfigError(
          `schemaRegistry.url: topology "${topology.name}" reads ${node.topics.join(', ')} as Avro (${node.valueSchema}); set SCHEMA_REGISTRY_URL`,
        );
      for (const topic of node.topics) this.avro.set(topic, new AvroDeserializer(avroType(node.valueSchema), registry));
    }
  }

  async prepare(records: readonly ConsumedRecord[]): Promise<void> {
    if (this.avro.size === 0) return;
    const values = new Map<string, Buffer[]>();
    for (const record of records) {
      if (!this.avro.has(record.topic) || record.value === null) continue;
      let list = values.get(record.topic);
      if (!list) values.set(record.topic, (list = []));
      list.push(record.value);
    }
    for (const [topic, list] of values) await this.avro.get(topic)?.prepare(list);
  }

  decode(record: ConsumedRecord): { key: unknown; value: unknown } {
    if (this.internalTopics.has(record.topic))
      return { key: decodeInternal(record.key), value: decodeInternal(record.value) };
    const key = decodeSourceKey(record.key);
    if (record.value === null && this.tableTopics.has(record.topic)) return { key, value: null };
    const avro = this.avro.get(record.topic);
    if (avro) return { key, value: avro.decode(record.value) };
    try {
      return { key, value: decodeJson(record.value) };
    } catch (cause) {
      throw new DecodeError('invalid-json', `not JSON: ${(cause as Error).message}`, undefined, cause);
    }
  }
}
