-- Cache efficiency (docs/cache.md, "Cache efficiency"): one row per cache, instance and minute,
-- written by the cache client when the minute is over. requests are reads; l1_hits and l2_hits the
-- reads those levels answered; origin_loads the reads that went to the origin. A row written twice
-- (a retried write) is kept once: ReplacingMergeTree on (cache, instance, minute_start).
CREATE TABLE IF NOT EXISTS {database}.cache_minute
(
    minute_start   DateTime,
    minute_date    Date,
    cache          String,
    instance       String,
    requests       UInt64,
    l1_hits        UInt64,
    l2_hits        UInt64,
    origin_loads   UInt64,
    refused_fills  UInt64,
    stale_serves   UInt64,
    written_at     DateTime
)
ENGINE = ReplacingMergeTree(written_at)
PARTITION BY toYYYYMM(minute_date)
ORDER BY (cache, instance, minute_start);

-- Hit rate per cache and minute over every instance, and the origin loads the cache saved against
-- no cache at all (where every read would have gone to the origin).
CREATE VIEW IF NOT EXISTS {database}.cache_hit_rate_per_minute AS
SELECT
    cache,
    minute_start,
    sum(requests) AS requests,
    sum(l1_hits) AS l1_hits,
    sum(origin_loads) AS origin_loads,
    if(sum(requests) = 0, 0, sum(l1_hits) / sum(requests)) AS l1_hit_rate,
    if(sum(requests) = 0, 0, 1 - sum(origin_loads) / sum(requests)) AS hit_rate,
    sum(requests) - sum(origin_loads) AS origin_loads_saved
FROM {database}.cache_minute FINAL
GROUP BY cache, minute_start;
