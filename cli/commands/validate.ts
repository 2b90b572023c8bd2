import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import Redis from 'ioredis';
import { toMillis, type Duration } from '../../processors/duration';
import { ConfigError } from '../../core/errors';
import type { ExpectedAggregates } from '../../simulator/expected';
import { validate } from '../../simulator/validate';
import { connectClickhouse } from '../../sinks/clickhouse/connection';
import { RedisKeys } from '../../sinks/redis/keys';
import { configFrom } from '../options';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'compare Redis aggregates and ClickHouse rollups and rows with the expected values `simulate --expected` wrote; exit 1 on any difference',
    )
    .requiredOption('--expected <file>', 'the expected aggregates written by `reelstream simulate --expected`')
    .option(
      '--grace <duration>',
      'the topology grace period (windows within it of the last event need no rollup yet)',
      '30s',
    )
    .option('--show <n>', 'differences to print', '20')
    .option(
      '--skip-now-view',
      'do not check the 10-second view: its keys live 5 minutes after their last write, so they are gone when validating later',
    )
    .action(
      async (options: { expected: string; grace: string; show: string; skipNowView?: boolean }, command: Command) => {
        const config = configFrom(command);
        let expected: ExpectedAggregates;
        try {
          expected = JSON.parse(readFileSync(options.expected, 'utf8')) as ExpectedAggregates;
        } catch (cause) {
          throw new ConfigError(
            `--expected ${options.expected}: not a readable expected-aggregates file (${(cause as Error).message})`,
            { cause },
          );
        }
        const redis = new Redis(config.redis.url);
        const clickhouse = connectClickhouse(config.clickhouse);
        try {
          const report = await validate(expected, {
            redis,
            keys: new RedisKeys(config.redis.keyPrefix),
            clickhouse,
            database: config.clickhouse.database,
            // Stream time reaches the last event: windows ending a grace period before it are final.
            finalBeforeMs: expected.lastEventTimeMs - toMillis(options.grace as Duration, '--grace'),
            nowView: !options.skipNowView,
          });
          for (const line of report.lines) console.log(line);
          for (const difference of report.differences.slice(0, Number(options.show))) console.log(`  ${difference}`);
          console.log(report.ok ? 'validation passed' : `validation FAILED: ${report.differences.length} differences`);
          process.exitCode = report.ok ? 0 : 1;
        } finally {
          redis.disconnect();
          await clickhouse.close();
        }
      },
    );
}
