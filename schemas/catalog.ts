import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro, { type Schema, type Type } from 'avsc';

/**
 * The event contracts: one .avsc file per schema under schemas/avro/, the source of truth. Each has a
 * registry subject under TopicNameStrategy (`<topic>-value`).
 */
export type SchemaName =
  | 'PlaybackEvent'
  | 'ContentMetadata'
  | 'CacheInvalidation'
  | 'ContentHotness'
  | 'PlaybackMinuteRollup'
  | 'SampleLedgerEntry';

export interface SchemaEntry {
  /** Short name used in code and CLI output. */
  name: SchemaName;
  file: string;
  subject: string;
  topic?: string;
}

export const AVRO_DIR = join(__dirname, 'avro');

export const SCHEMAS: readonly SchemaEntry[] = [
  { name: 'PlaybackEvent', file: 'playback-event.avsc', topic: 'playback.events', subject: 'playback.events-value' },
  {
    name: 'ContentMetadata',
    file: 'content-metadata.avsc',
    topic: 'catalog.content',
    subject: 'catalog.content-value',
  },
  {
    name: 'CacheInvalidation',
    file: 'cache-invalidation.avsc',
    topic: 'cache.invalidation',
    subject: 'cache.invalidation-value',
  },
  {
    name: 'ContentHotness',
    file: 'content-hotness.avsc',
    topic: 'content.hotness',
    subject: 'content.hotness-value',
  },
  {
    name: 'PlaybackMinuteRollup',
    file: 'playback-minute-rollup.avsc',
    topic: 'playback.minute-rollups',
    subject: 'playback.minute-rollups-value',
  },
  {
    name: 'SampleLedgerEntry',
    file: 'sample-ledger-entry.avsc',
    topic: 'playback.sample-ledger',
    subject: 'playback.sample-ledger-value',
  },
];

export function readSchema(file: string, dir = AVRO_DIR): Schema {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Schema;
}

const types = new Map<string, Type>();

/** The avsc Type of a schema in schemas/avro (parsed once). */
export function avroType(name: SchemaEntry['name']): Type {
  let type = types.get(name);
  if (!type) {
    const entry = SCHEMAS.find((schema) => schema.name === name) as SchemaEntry;
    type = avro.Type.forSchema(readSchema(entry.file));
    types.set(name, type);
  }
  return type;
}

/** Subject name under TopicNameStrategy. */
export const subjectForTopic = (topic: string): string => `${topic}-value`;
