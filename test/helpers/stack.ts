import { loadConfig } from '../../runtime/config/load';
import type { ReelstreamConfig } from '../../runtime/config/schema';

/**
 * The config integration tests run against: the same loading users get (file, then environment),
 * so `KAFKA_BROKERS=...` and friends point the suite at another stack, e.g. docker-compose's.
 */
export function testConfig(): ReelstreamConfig {
  return loadConfig();
}
