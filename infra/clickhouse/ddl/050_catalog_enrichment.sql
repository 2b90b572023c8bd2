-- Catalog enrichment and regional rights (docs/clickhouse.md). Playback analytics joins every event
-- with the catalog (topologies/playback-analytics.ts): a raw row says whether its region was outside
-- the content's availability at the event's time, and a rollup carries the title and primary genre
-- the catalog held when the minute closed, and how many of its events were outside rights.
-- '' and 0 for rows written before these columns existed, or for content the catalog does not know.
ALTER TABLE {database}.playback_minute ADD COLUMN title String DEFAULT '';
ALTER TABLE {database}.playback_minute ADD COLUMN genre String DEFAULT '';
ALTER TABLE {database}.playback_minute ADD COLUMN outside_rights_events UInt64 DEFAULT 0;
ALTER TABLE {database}.playback_events ADD COLUMN outside_rights UInt8 DEFAULT 0;

-- Plays outside regional rights per title, region and day: events and distinct sessions.
CREATE VIEW IF NOT EXISTS {database}.outside_rights_per_title_region_day AS
SELECT
    content_id,
    region,
    event_date AS day,
    count() AS events,
    uniqExact(session_id) AS sessions
FROM {database}.playback_events FINAL
WHERE outside_rights = 1
GROUP BY content_id, region, event_date;
