import type { CacheMinute, CacheMinuteWriter } from '../../cache/cache-stats';
import type { ClickhouseConnection } from './connection';

/** DateTime columns take epoch seconds: a text time would be read in the server's time zone. */
const seconds = (ms: number) => Math.floor(ms / 1000);

/** Cache minutes in ClickHouse, one row per cache, instance and minute (`cache_minute`, docs/clickhouse.md). */
export class ClickhouseCacheStatsWriter implements CacheMinuteWriter {
  readonly name = 'clickhouse';

  constructor(
    private readonly connection: ClickhouseConnection,
    private readonly database: string,
  ) {}

  async write(minutes: readonly CacheMinute[]): Promise<void> {
    const writtenAt = seconds(Date.now());
    await this.connection.insertRows(
      `${this.database}.cache_minute`,
      minutes.map((minute) => ({
        minute_start: seconds(minute.minuteStartMs),
        minute_date: new Date(minute.minuteStartMs).toISOString().slice(0, 10),
        cache: minute.cache,
        instance: minute.instance,
        requests: minute.requests,
        l1_hits: minute.l1Hits,
        l2_hits: minute.l2Hits,
        origin_loads: minute.originLoads,
        refused_fills: minute.refusedFills,
        stale_serves: minute.staleServes,
        written_at: writtenAt,
      })),
    );
  }
}
