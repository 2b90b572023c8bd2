import type { Command } from 'commander';
import { AVRO_DIR, readSchema, SCHEMAS } from '../../schemas/catalog';
import { backwardIncompatibilities } from '../../schemas/compatibility';
import { writeGeneratedTypes } from '../../schemas/generate-types';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { configFrom } from '../options';

function registryFrom(command: Command) {
  const { schemaRegistry } = configFrom(command);
  return connectSchemaRegistry(schemaRegistry);
}

export function registerSchemasCommand(program: Command): void {
  const schemas = program.command('schemas').description('the Avro contracts of schemas/avro and the schema registry');
  const dirOption = [
    '--dir <path>',
    'read the .avsc files from this folder instead of schemas/avro',
    AVRO_DIR,
  ] as const;

  schemas
    .command('push')
    .description('register every schema under its TopicNameStrategy subject, with BACKWARD compatibility')
    .option(...dirOption)
    .action(async (options: { dir: string }, command: Command) => {
      const registry = registryFrom(command);
      for (const entry of SCHEMAS) {
        await registry.setCompatibility(entry.subject, 'BACKWARD');
        const id = await registry.register(entry.subject, readSchema(entry.file, options.dir));
        console.log(`${entry.subject.padEnd(28)} ${entry.name.padEnd(22)} id ${id} (BACKWARD)`);
      }
    });

  schemas
    .command('check')
    .description(
      'check the local schemas against the latest registered versions; exits 1 naming each incompatible field',
    )
    .option(...dirOption)
    .action(async (options: { dir: string }, command: Command) => {
      const registry = registryFrom(command);
      let failures = 0;
      for (const entry of SCHEMAS) {
        const registered = await registry.latest(entry.subject);
        if (!registered) {
          console.log(`${entry.subject}: not registered yet (new)`);
          continue;
        }
        const problems = backwardIncompatibilities(readSchema(entry.file, options.dir), registered.schema);
        if (problems.length === 0) {
          console.log(`${entry.subject}: compatible with version ${registered.version} (id ${registered.id})`);
          continue;
        }
        failures += problems.length;
        console.error(`${entry.subject}: INCOMPATIBLE with version ${registered.version} (id ${registered.id}):`);
        for (const problem of problems) console.error(`  - ${problem}`);
      }
      if (failures > 0) {
        console.error(
          `${failures} incompatible change(s): consumers on the new schema could not read existing records.`,
        );
        process.exitCode = 1;
      }
    });

  schemas
    .command('types')
    .description('regenerate schemas/types.generated.ts from the .avsc files')
    .action(() => console.log(`wrote ${writeGeneratedTypes()}`));
}
