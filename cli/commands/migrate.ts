import type { Command } from 'commander';
import { migrate } from '../../infra/clickhouse/migrate';
import { connectClickhouse } from '../../sinks/clickhouse/connection';
import { configFrom } from '../options';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply the ClickHouse DDL of infra/clickhouse/ddl (idempotent)')
    .action(async (_options: unknown, command: Command) => {
      const config = configFrom(command);
      const connection = connectClickhouse(config.clickhouse);
      try {
        const applied = await migrate(connection, config.clickhouse.database);
        const files = [...new Set(applied.map((statement) => statement.file))];
        console.log(`applied ${applied.length} statements from ${files.join(', ')} to ${config.clickhouse.database}`);
      } finally {
        await connection.close();
      }
    });
}
