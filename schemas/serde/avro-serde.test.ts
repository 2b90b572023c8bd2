import avro, { type Schema } from 'avsc';
import fc from 'fast-check';
import { avroType, readSchema } from '../catalog';
import type { PlaybackEvent } from '../types.generated';
import { AvroDeserializer } from './avro-deserializer';
import { AvroSerializer } from './avro-serializer';
import { DecodeError, EncodeError } from './decode-error';
import { InMemoryRegistry } from '../testing/in-memory-registry';
import { encodeWire } from './wire-format';

const event: PlaybackEvent = {
  eventId: 'e-1',
  sessionId: 's-1',
  viewerId: 'v-1',
  contentId: 'c-1',
  liveEventId: null,
  eventType: 'start',
  eventTimeMs: 1_700_000_000_000,
  positionMs: 0,
  bitrateKbps: 4_500,
  bufferingMs: 0,
  startupTimeMs: 850,
  errorCode: null,
  deviceType: 'tv',
  region: 'eu-west',
  cdnEdge: 'edge-7',
  viewerTier: 'premium',
  appVersion: '5.2.0',
};

async function setup() {
  const registry = new InMemoryRegistry();
  const serializer = new AvroSerializer<PlaybackEvent>(avroType('PlaybackEvent'), 'playback.events-value', registry);
  await serializer.init();
  const deserializer = new AvroDeserializer<PlaybackEvent>(avroType('PlaybackEvent'), registry, {
    maxMessageBytes: 64 * 1024,
  });
  return { registry, serializer, deserializer };
}

async function decodeOne(deserializer: AvroDeserializer<unknown>, message: Buffer | null) {
  await deserializer.prepare([message]);
  return deserializer.decode(message);
}

function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DecodeError) return error.reason;
    throw error;
  }
  return 'decoded';
}

describe('Avro serde in the Confluent wire format', () => {
  it('round-trips a PlaybackEvent and resolves each writer schema id once', async () => {
    const { registry, serializer, deserializer } = await setup();
    const message = serializer.encode(event);
    expect(message[0]).toBe(0);
    expect(message.readInt32BE(1)).toBe(serializer.id);
    await deserializer.prepare([message, message]);
    await deserializer.prepare([message]);
    expect(deserializer.decode(message)).toEqual(event);
    expect(registry.lookups).toBe(1);
  });

  it('registers the schema with its defaults and docs (else optional fields would look required)', async () => {
    const { registry, serializer } = await setup();
    const registered = registry.schemas.get(serializer.id) as {
      fields: { name: string; default?: unknown; doc?: string }[];
    };
    expect(registered.fields.find((field) => field.name === 'liveEventId')).toMatchObject({
      default: null,
      doc: expect.any(String),
    });
  });

  it('refuses to write a value that does not match, naming the paths', async () => {
    const { serializer } = await setup();
    expect(() => serializer.encode({ ...event, bitrateKbps: 'fast' as never, viewerTier: 'gold' as never })).toThrow(
      EncodeError,
    );
    expect(() => serializer.encode({ ...event, bitrateKbps: 'fast' as never })).toThrow(/invalid at bitrateKbps/);
  });

  describe('every kind of bad input fails with its reason (and only a DecodeError)', () => {
    it.each([
      ['a null value', () => null, 'null-value'],
      ['a wrong magic byte', (ok: Buffer) => Buffer.concat([Buffer.from([1]), ok.subarray(1)]), 'wrong-magic-byte'],
      ['a message shorter than the header', () => Buffer.from([0, 0, 0]), 'truncated'],
      ['an unknown schema id', (ok: Buffer) => encodeWire(999, ok.subarray(5)), 'unknown-schema-id'],
      ['a truncated body', (ok: Buffer) => ok.subarray(0, ok.length - 6), 'truncated'],
      ['an oversized message', () => Buffer.alloc(64 * 1024 + 1), 'oversized'],
    ] as const)('%s', async (_name, corrupt, reason) => {
      const { serializer, deserializer } = await setup();
      const bad = corrupt(serializer.encode(event));
      await deserializer.prepare([bad]);
      expect(reasonOf(() => deserializer.decode(bad))).toBe(reason);
    });

    it('valid Avro of another schema (a ContentMetadata id on the playback topic)', async () => {
      const { registry, deserializer } = await setup();
      const contentId = await registry.register('catalog.content-value', readSchema('content-metadata.avsc'));
      const content = avroType('ContentMetadata').random();
      const message = encodeWire(contentId, avroType('ContentMetadata').toBuffer(content));
      await deserializer.prepare([message]);
      expect(reasonOf(() => deserializer.decode(message))).toBe('incompatible-writer-schema');
    });

    it('a registry that is down is not a bad record: the error is retriable and nothing is decided', async () => {
      const { registry, serializer } = await setup();
      const deserializer = new AvroDeserializer<PlaybackEvent>(avroType('PlaybackEvent'), registry);
      registry.down = true;
      await expect(deserializer.prepare([serializer.encode(event)])).rejects.toMatchObject({ retriable: true });
      registry.down = false;
      expect(await decodeOne(deserializer, serializer.encode(event))).toEqual(event);
    });

    it('asks again for an unknown id after the retry interval (it may have been registered since)', async () => {
      let now = 0;
      const registry = new InMemoryRegistry();
      const deserializer = new AvroDeserializer<PlaybackEvent>(avroType('PlaybackEvent'), registry, {
        now: () => now,
        unknownIdRetryMs: 1_000,
      });
      const message = encodeWire(1, avroType('PlaybackEvent').toBuffer(event));
      expect(reasonOf(() => deserializer.decode(message))).toBe('unknown-schema-id');
      await deserializer.prepare([message]);
      expect(reasonOf(() => deserializer.decode(message))).toBe('unknown-schema-id');
      await registry.register('playback.events-value', readSchema('playback-event.avsc'));
      await deserializer.prepare([message]);
      expect(reasonOf(() => deserializer.decode(message))).toBe('unknown-schema-id'); // still cached
      now = 1_000;
      await deserializer.prepare([message]);
      expect(deserializer.decode(message)).toEqual(event);
    });
  });

  describe('properties (fast-check)', () => {
    it('random bytes never throw anything but a DecodeError', async () => {
      const { serializer, deserializer } = await setup();
      await deserializer.prepare([serializer.encode(event)]);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, withHeader) => {
          const message = withHeader ? encodeWire(serializer.id, Buffer.from(bytes)) : Buffer.from(bytes);
          await deserializer.prepare([message]);
          try {
            deserializer.decode(message);
          } catch (error) {
            if (!(error instanceof DecodeError)) throw error;
          }
        }),
        { numRuns: 2_000 },
      );
    });

    it('every valid PlaybackEvent (avsc random values) round-trips exactly', async () => {
      const { serializer, deserializer } = await setup();
      const type = avroType('PlaybackEvent');
      await deserializer.prepare([serializer.encode(event)]);
      fc.assert(
        fc.property(fc.integer(), () => {
          const value = type.random() as unknown as PlaybackEvent;
          expect(deserializer.decode(serializer.encode(value))).toEqual(value);
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('schema evolution', () => {
  const v2Schema = () => {
    const schema = readSchema('playback-event.avsc') as Schema & { fields: unknown[] };
    schema.fields.push({ name: 'drmSystem', type: ['null', 'string'], default: null, doc: 'v2: the DRM in use' });
    return schema;
  };

  it('a v1 reader reads v2 records (the new field is ignored)', async () => {
    const registry = new InMemoryRegistry();
    const v2 = new AvroSerializer<PlaybackEvent & { drmSystem: string | null }>(
      avro.Type.forSchema(v2Schema()),
      'playback.events-value',
      registry,
    );
    await v2.init();
    const v1Reader = new AvroDeserializer<PlaybackEvent>(avroType('PlaybackEvent'), registry);
    expect(await decodeOne(v1Reader, v2.encode({ ...event, drmSystem: 'widevine' }))).toEqual(event);
  });

  it('a v2 reader reads v1 records (the new field takes its default)', async () => {
    const registry = new InMemoryRegistry();
    const v1 = new AvroSerializer<PlaybackEvent>(avroType('PlaybackEvent'), 'playback.events-value', registry);
    await v1.init();
    const v2Reader = new AvroDeserializer(avro.Type.forSchema(v2Schema()), registry);
    expect(await decodeOne(v2Reader, v1.encode(event))).toEqual({ ...event, drmSystem: null });
  });

  it('a reader maps an event type it does not know to "unknown" (the enum default)', async () => {
    const registry = new InMemoryRegistry();
    const newer = readSchema('playback-event.avsc') as Schema & {
      fields: { name: string; type: { symbols?: string[] } }[];
    };
    newer.fields.find((f) => f.name === 'eventType')?.type.symbols?.push('ad_break');
    const writer = new AvroSerializer(avro.Type.forSchema(newer), 'playback.events-value', registry);
    await writer.init();
    const reader = new AvroDeserializer<PlaybackEvent>(avroType('PlaybackEvent'), registry);
    const decoded = await decodeOne(reader, writer.encode({ ...event, eventType: 'ad_break' }));
    expect((decoded as PlaybackEvent).eventType).toBe('unknown');
  });
});
