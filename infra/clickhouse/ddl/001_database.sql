-- The pipeline's database. `{database}` is replaced with clickhouse.database from the config.
CREATE DATABASE IF NOT EXISTS {database};
