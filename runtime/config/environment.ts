/**
 * Environment variables that override the config file (see docs/configuration.md). Each maps to one config path,
 * so a validation error can name both the key and the variable that set it.
 */
export interface EnvironmentOverride {
  variable: string;
  path: readonly string[];
  parse: (raw: string) => unknown;
}

const text = (raw: string): string => raw;
const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
const integer = (raw: string): unknown => (/^-?\d+$/.test(raw.trim()) ? Number(raw) : raw);
const flag = (raw: string): unknown =>
  raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;

export const environmentOverrides: readonly EnvironmentOverride[] = [
  { variable: 'REELSTREAM_APPLICATION_ID', path: ['applicationId'], parse: text },
  { variable: 'REELSTREAM_STATE_DIR', path: ['stateDir'], parse: text },
  { variable: 'KAFKA_BROKERS', path: ['kafka', 'brokers'], parse: list },
  { variable: 'KAFKA_CLIENT_ID', path: ['kafka', 'clientId'], parse: text },
  { variable: 'KAFKA_TRANSPORT', path: ['kafka', 'transport'], parse: text },
  { variable: 'KAFKA_SSL', path: ['kafka', 'ssl'], parse: flag },
  { variable: 'KAFKA_SASL_MECHANISM', path: ['kafka', 'sasl', 'mechanism'], parse: text },
  { variable: 'KAFKA_SASL_USERNAME', path: ['kafka', 'sasl', 'username'], parse: text },
  { variable: 'KAFKA_SASL_PASSWORD', path: ['kafka', 'sasl', 'password'], parse: text },
  { variable: 'SCHEMA_REGISTRY_URL', path: ['schemaRegistry', 'url'], parse: text },
  { variable: 'SCHEMA_REGISTRY_USERNAME', path: ['schemaRegistry', 'username'], parse: text },
  { variable: 'SCHEMA_REGISTRY_PASSWORD', path: ['schemaRegistry', 'password'], parse: text },
  { variable: 'REDIS_URL', path: ['redis', 'url'], parse: text },
  { variable: 'REDIS_KEY_PREFIX', path: ['redis', 'keyPrefix'], parse: text },
  { variable: 'CLICKHOUSE_URL', path: ['clickhouse', 'url'], parse: text },
  { variable: 'CLICKHOUSE_USER', path: ['clickhouse', 'username'], parse: text },
  { variable: 'CLICKHOUSE_PASSWORD', path: ['clickhouse', 'password'], parse: text },
  { variable: 'CLICKHOUSE_DATABASE', path: ['clickhouse', 'database'], parse: text },
  { variable: 'REELSTREAM_THREADS', path: ['processing', 'threads'], parse: integer },
  { variable: 'REELSTREAM_PRIORITY_NICENESS', path: ['processing', 'priorityNiceness'], parse: integer },
  { variable: 'REELSTREAM_COMMIT_INTERVAL_MS', path: ['processing', 'commitIntervalMs'], parse: integer },
  { variable: 'REELSTREAM_MAX_BATCH_RECORDS', path: ['processing', 'maxBatchRecords'], parse: integer },
  {
    variable: 'REELSTREAM_ALIGNMENT_MAX_LANE_DRIFT_MS',
    path: ['processing', 'alignmentMaxLaneDriftMs'],
    parse: integer,
  },
  { variable: 'REELSTREAM_STATE_STORE', path: ['processing', 'stateStore'], parse: text },
  { variable: 'REELSTREAM_STATE_DIR', path: ['processing', 'stateDir'], parse: text },
  { variable: 'REELSTREAM_OVERLOAD', path: ['overload', 'mode'], parse: text },
];
