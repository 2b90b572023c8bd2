-- What the real-time path's overload sampler kept, sampled out and shed, per minute of event time and
-- viewer tier (docs/overload.md). Each row is one delta the sampler emitted at a commit
-- (schemas/avro/sample-ledger-entry.avsc), stored with its source identity and the offset ledger, so
-- a replay stores nothing twice; the figures of a minute and tier are the sums of its rows:
--   SELECT minute, viewer_tier, sum(kept), sum(sampled_out), sum(shed)
--   FROM shed_ledger FINAL GROUP BY minute, viewer_tier
-- kept + sampled_out + shed is what the real-time path read of that minute and tier.
CREATE TABLE IF NOT EXISTS {database}.shed_ledger
(
    minute            DateTime,
    minute_date       Date,
    viewer_tier       String,
    kept              UInt64,
    sampled_out       UInt64,
    shed              UInt64,
    source_topic      String,
    source_partition  UInt32,
    source_offset     UInt64,
    written_at        DateTime
)
ENGINE = ReplacingMergeTree(written_at)
PARTITION BY toYYYYMM(minute_date)
ORDER BY (viewer_tier, minute, source_topic, source_partition, source_offset);
