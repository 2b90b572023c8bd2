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

-- Hit rate per cache and minute over every instance (reads, of them answered by level 1, of them
-- loaded from the origin), and the origin loads the cache saved against no cache at all (where every
-- read would have gone to the origin). Aliases differ from the columns: 18.16 would read a sum's
-- alias named like its column as the column inside the other sums.
CREATE VIEW IF NOT EXISTS {database}.cache_hit_rate_per_minute AS
SELECT
    cache,
    minute_start,
    sum(requests) AS reads,
    sum(l1_hits) AS l1_hit_reads,
    sum(origin_loads) AS origin_reads,
    if(reads = 0, 0, l1_hit_reads / reads) AS l1_hit_rate,
    if(reads = 0, 0, 1 - origin_reads / reads) AS hit_rate,
    reads - origin_reads AS origin_loads_saved
FROM {database}.cache_minute FINAL
GROUP BY cache, minute_start;
