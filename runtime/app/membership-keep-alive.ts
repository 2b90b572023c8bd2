import type { Logger } from '../../core/logging';
import type { GroupConsumer } from '../kafka/transport';

/** How often a consumer that is not fetching is polled: well inside any poll interval (≥ 10 s). */
const KEEP_ALIVE_INTERVAL_MS = 3_000;

/**
 * While state is restored or a commit waits for a sink, the loop does not fetch; a wait longer than
 * the client's poll interval would cost the group membership (and start a rebalance). Every few
 * seconds the group consumer is polled with all its partitions paused instead — Kafka Streams polls
 * during restore too. Stop it before fetching again.
 */
export function keepGroupMembershipAlive(consumer: GroupConsumer, log: Logger): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(() => consumer.keepAlive())
      .catch((error: unknown) => log.warn({ err: error }, 'keeping the group membership alive failed'));
  }, KEEP_ALIVE_INTERVAL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
