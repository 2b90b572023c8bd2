-- The per-partition offset ledger of each ClickHouse sink: the highest source offset whose row is
-- stored. A sink inserts one batch at a time, in offset order per partition, then records the batch's
-- highest offsets here; on start it reads them and skips rows at or below them, so a replay after a
-- crash or a reset does not insert them again. A crash between a batch insert and its ledger row
-- re-inserts that one batch: the target tables' ReplacingMergeTree (sorting key ending with the row
-- identity) collapses it, and exact queries use FINAL.
CREATE TABLE IF NOT EXISTS {database}.sink_offset_ledger
(
    sink         String,
    topic        String,
    partition    UInt32,
    last_offset  UInt64,
    updated_at   DateTime
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (sink, topic, partition);
