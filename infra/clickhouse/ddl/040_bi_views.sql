-- Views for BI tools (docs/clickhouse.md). FINAL makes reads exact while a replayed batch has not
-- been merged away yet. Plain SQL: the same text runs on 18.16 and on a current ClickHouse.
-- Watch time is the playhead advance of each session (max position - min position of its events),
-- the same definition the rollups use per minute.

-- Watch time per title per day (hours), from the all-regions, all-tiers rollups.
CREATE VIEW IF NOT EXISTS {database}.watch_time_per_title_day AS
SELECT
    content_id,
    window_date AS day,
    sum(watch_time_ms) / 3600000 AS watch_hours,
    sum(starts) AS starts
FROM {database}.playback_minute FINAL
WHERE region = '*' AND viewer_tier = '*'
GROUP BY content_id, window_date;

-- Buffering ratio by region and device, from the raw rows.
CREATE VIEW IF NOT EXISTS {database}.buffering_by_region_device AS
SELECT
    region,
    device_type,
    sum(session_buffering_ms) AS buffering_ms,
    sum(session_watch_ms) AS watch_ms,
    if(sum(session_watch_ms) = 0, 0, sum(session_buffering_ms) / sum(session_watch_ms)) AS buffering_ratio,
    count() AS sessions
FROM
(
    SELECT
        session_id,
        any(region) AS region,
        any(device_type) AS device_type,
        sum(buffering_ms) AS session_buffering_ms,
        max(position_ms) - min(position_ms) AS session_watch_ms
    FROM {database}.playback_events FINAL
    GROUP BY session_id
)
GROUP BY region, device_type;

-- Peak concurrency per live event: the highest per-minute count of distinct sessions.
CREATE VIEW IF NOT EXISTS {database}.peak_concurrency_per_live_event AS
SELECT
    live_event_id,
    max(viewers) AS peak_concurrent_viewers
FROM
(
    SELECT
        assumeNotNull(live_event_id) AS live_event_id,
        toStartOfMinute(event_time) AS minute,
        uniqExact(session_id) AS viewers
    FROM {database}.playback_events FINAL
    WHERE isNotNull(live_event_id)
    GROUP BY live_event_id, minute
)
GROUP BY live_event_id;
