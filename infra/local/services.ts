import type { ReelstreamConfig } from '../../runtime/config/schema';
import { clickhouseService } from './clickhouse';
import { kafkaService } from './kafka';
import { redisService } from './redis';
import { schemaRegistryService } from './schema-registry';
import type { LocalService } from './service';

/** The four services of docs/local-stack.md, in the order `stack status` prints them. */
export function localServices(config: ReelstreamConfig): LocalService[] {
  return [kafkaService(config), schemaRegistryService(config), redisService(config), clickhouseService(config)];
}
