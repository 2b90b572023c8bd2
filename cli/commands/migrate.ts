import type { Command } from 'commander';
import { migrateDatabase } from '../../infra/clickhouse/migrate';
import { configFrom } from '../options';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply the ClickHouse DDL of infra/clickhouse/ddl (idempotent)')
    .action(async (_options: unknown, command: Command) => {
      const config = configFrom(command);
      const applied = await migrateDatabase(config.clickhouse);
      const files = [...new Set(applied.map((statement) => statement.file))];
      console.log(`applied ${applied.length} statements from ${files.join(', ')} to ${config.clickhouse.database}`);
    });
}
