-- Raw playback events, one row per Kafka record (the historical path of DESIGN §1).
--
-- Written by the ClickHouse sink in batches that are deterministic per offset range, so a replayed
-- batch is identical to the one it repeats. The dedup identity of a row is its source
-- (topic, partition, offset): ReplacingMergeTree collapses repeats that share the sorting key, and
-- that key ends with the identity. Plain types only: runs on ClickHouse 18.16 (Debian) and current.
CREATE TABLE IF NOT EXISTS {database}.playback_events
(
    event_date        Date,
    event_time        DateTime,
    event_time_ms     UInt64,
    event_id          String,
    session_id        String,
    viewer_id         String,
    content_id        String,
    live_event_id     Nullable(String),
    event_type        String,
    position_ms       UInt64,
    bitrate_kbps      UInt32,
    buffering_ms      UInt32,
    startup_time_ms   Nullable(UInt32),
    error_code        Nullable(String),
    device_type       String,
    region            String,
    cdn_edge          String,
    viewer_tier       String,
    app_version       String,
    sample_weight     Float64,
    source_topic      String,
    source_partition  UInt32,
    source_offset     UInt64,
    ingested_at       DateTime
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(event_date)
ORDER BY (content_id, event_date, source_topic, source_partition, source_offset);
