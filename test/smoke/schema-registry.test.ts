import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/** The Confluent-compatible API the serdes will use (Apicurio's ccompat/v7 on the local stack). */
const config = testConfig();
const registry = new SchemaRegistry({ host: config.schemaRegistry.url });
const subject = `${uniqueName('it_subject')}-value`;

afterAll(async () => {
  // Soft then hard delete, as the Confluent API requires, so reruns start clean.
  await fetch(`${config.schemaRegistry.url}/subjects/${subject}`, { method: 'DELETE' });
  await fetch(`${config.schemaRegistry.url}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
});

describe('schema registry (real server)', () => {
  const schema = {
    type: 'record',
    name: 'Probe',
    namespace: 'dev.reelstream.test',
    fields: [
      { name: 'contentId', type: 'string' },
      { name: 'viewers', type: 'long' },
    ],
  };

  it('registers a schema, fetches it by id, and round-trips the Confluent wire format', async () => {
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    expect(id).toBeGreaterThan(0);
    expect(await registry.getLatestSchemaId(subject)).toBe(id);

    const encoded = await registry.encode(id, { contentId: 'title-42', viewers: 1234 });
    expect(encoded[0]).toBe(0); // magic byte
    expect(encoded.readInt32BE(1)).toBe(id); // schema id
    expect(await registry.decode(encoded)).toEqual({ contentId: 'title-42', viewers: 1234 });
  });

  it('registering the same schema again returns the same id', async () => {
    const first = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    const second = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    expect(second.id).toBe(first.id);
  });
});
