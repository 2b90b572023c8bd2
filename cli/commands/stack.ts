import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { stackDown, stackStatus, stackUp } from '../../infra/local/stack';
import type { ServiceReport } from '../../infra/local/service';
import { configFrom } from '../options';

export function formatReports(reports: ServiceReport[]): string {
  const rows = reports.map((report) => [
    report.name,
    report.state,
    report.healthy ? 'healthy' : 'down',
    report.managed ? 'reelstream' : 'external',
    report.address,
    report.version ?? '-',
    report.detail ?? '',
  ]);
  const header = ['SERVICE', 'STATE', 'HEALTH', 'OWNER', 'ADDRESS', 'VERSION', ''];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function registerStackCommand(program: Command): void {
  const stack = program
    .command('stack')
    .description('the local stack: Kafka (KRaft), Apicurio schema registry, Redis, ClickHouse — no Docker needed');
  const onlyOption = [
    '--only <services...>',
    'limit to these services (kafka, schema-registry, redis, clickhouse)',
  ] as const;

  stack
    .command('up')
    .description('install what is missing, start every service (or reuse one already answering), wait until healthy')
    .option(...onlyOption)
    .action(async (options: { only?: string[] }, command: Command) => {
      // A fresh machine installs packages and fetches jars first: minutes, so show which are up.
      const bar = new SingleBar(
        {
          format: 'stack up [{bar}] {value}/{total} services up · {last} · {duration}s',
          hideCursor: true,
          noTTYOutput: true,
          notTTYSchedule: 5_000,
        },
        Presets.shades_classic,
      );
      bar.start(options.only?.length ?? 4, 0, { last: 'installing, downloading, starting' });
      try {
        const reports = await stackUp({ config: configFrom(command), only: options.only }, (report, up, of) => {
          bar.setTotal(of);
          bar.update(up, { last: `${report.name} ${report.state}` });
        });
        bar.stop();
        console.log(formatReports(reports));
      } finally {
        bar.stop();
      }
    });

  stack
    .command('status')
    .description('each service with its address, version and health; exits 1 when any is down')
    .option(...onlyOption)
    .action(async (options: { only?: string[] }, command: Command) => {
      const reports = await stackStatus({ config: configFrom(command), only: options.only });
      console.log(formatReports(reports));
      if (reports.some((report) => !report.healthy)) process.exitCode = 1;
    });

  stack
    .command('down')
    .description('stop the services this stack started (never one it merely reused)')
    .option(...onlyOption)
    .action(async (options: { only?: string[] }, command: Command) => {
      const reports = await stackDown({ config: configFrom(command), only: options.only });
      console.log(formatReports(reports));
    });
}
