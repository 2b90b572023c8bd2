-- Final per-minute rollups per content, region and tier ('*' = all), one row per window
-- (schemas/avro/playback-minute-rollup.avsc). The analytics topology emits each window's final
-- result once when the window closes; a replay emits an identical row, and ReplacingMergeTree keyed
-- on the window identity (content, region, tier, minute) keeps one. errorsByCode is two parallel
-- arrays: 18.16 has no Map type.
CREATE TABLE IF NOT EXISTS {database}.playback_minute
(
    window_start            DateTime,
    window_date             Date,
    content_id              String,
    region                  String,
    viewer_tier             String,
    starts                  UInt64,
    stops                   UInt64,
    concurrent_viewers      UInt64,
    unique_viewers          UInt64,
    watch_time_ms           UInt64,
    buffering_ms            UInt64,
    buffering_ratio         Float64,
    sessions_with_rebuffer  UInt64,
    rebuffer_rate           Float64,
    startup_time_p50_ms     Nullable(Float64),
    startup_time_p95_ms     Nullable(Float64),
    avg_bitrate_kbps        Float64,
    errors                  UInt64,
    error_codes             Array(String),
    error_counts            Array(UInt64),
    written_at              DateTime
)
ENGINE = ReplacingMergeTree(written_at)
PARTITION BY toYYYYMM(window_date)
ORDER BY (content_id, region, viewer_tier, window_start);
