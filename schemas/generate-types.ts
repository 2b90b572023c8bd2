import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Schema } from 'avsc';
import { readSchema, SCHEMAS } from './catalog';

/**
 * Generates schemas/types.generated.ts from the .avsc files, so the TypeScript types can never
 * drift from the contracts: a unit test regenerates and compares. Run `npm run schemas:types` (`reelstream schemas types`)
 * after changing an .avsc file.
 */
type AvroSchema = Schema & Record<string, unknown>;

const PRIMITIVES: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

const localName = (name: string) => name.split('.').pop() as string;

function tsType(schema: AvroSchema | string | AvroSchema[], declarations: Map<string, string>): string {
  if (typeof schema === 'string') return PRIMITIVES[schema] ?? localName(schema);
  if (Array.isArray(schema)) return schema.map((branch) => tsType(branch as AvroSchema, declarations)).join(' | ');
  switch (schema.type) {
    case 'record': {
      const name = localName(schema.name as string);
      const fields = (schema.fields as { name: string; type: AvroSchema; doc?: string }[]).map((field) => {
        const doc = field.doc ? `  /** ${field.doc} */\n` : '';
        return `${doc}  ${field.name}: ${tsType(field.type, declarations)};`;
      });
      const doc = schema.doc ? `/** ${String(schema.doc)} */\n` : '';
      declarations.set(name, `${doc}export interface ${name} {\n${fields.join('\n')}\n}`);
      return name;
    }
    case 'enum': {
      const name = localName(schema.name as string);
      const symbols = (schema.symbols as string[]).map((symbol) => `'${symbol}'`).join(' | ');
      declarations.set(name, `export type ${name} = ${symbols};`);
      return name;
    }
    case 'array':
      return `Array<${tsType(schema.items as AvroSchema, declarations)}>`;
    case 'map':
      return `Record<string, ${tsType(schema.values as AvroSchema, declarations)}>`;
    case 'fixed':
      return 'Buffer';
    default:
      return tsType(schema.type as string, declarations);
  }
}

export function generateTypes(): string {
  const declarations = new Map<string, string>();
  for (const entry of SCHEMAS) tsType(readSchema(entry.file) as AvroSchema, declarations);
  return [
    '// Generated from schemas/avro/*.avsc by `npm run schemas:types`. Do not edit: edit the .avsc and regenerate.',
    '',
    [...declarations.values()].join('\n\n'),
    '',
  ].join('\n');
}

export const GENERATED_FILE = join(__dirname, 'types.generated.ts');

export function writeGeneratedTypes(): string {
  writeFileSync(GENERATED_FILE, generateTypes());
  return GENERATED_FILE;
}
