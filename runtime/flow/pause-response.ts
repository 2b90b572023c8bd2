/**
 * How long backpressure takes to take effect, measured where it matters: from the moment the sinks'
 * load crossed a lane's mark (the batch that crossed it was handed to the sinks) to the last fetch
 * that still delivered a record of a topic paused for it. Deciding to pause is synchronous; what a
 * consumer does after `pause()` is not — kafkajs and librdkafka hand over batches they fetched before
 * it, and the application's own topics bypass event-time alignment — so the decision's latency
 * (reelstream_backpressure_pause_latency_seconds) says little about when records really stop.
 *
 * A measurement opens when a topic is paused and closes at the first fetch that delivers none of its
 * records: the response is then the time of the last fetch that did (zero when none did). A topic
 * resumed before such a fetch closes the same way.
 */
export class PauseResponse {
  private readonly open = new Map<string, { crossedAt: number; lastDeliveredAt?: number }>();

  constructor(private readonly observe: (seconds: number) => void) {}

  /** These topics were paused for a crossing at `crossedAt` (performance.now()). */
  paused(topics: Iterable<string>, crossedAt: number): void {
    for (const topic of topics) if (!this.open.has(topic)) this.open.set(topic, { crossedAt });
  }

  resumed(topics: Iterable<string>): void {
    for (const topic of topics) this.close(topic);
  }

  /** A fetch returned these records at `at` (performance.now()). */
  fetched(records: readonly { topic: string }[], at: number): void {
    if (this.open.size === 0) return;
    const delivered = new Set(records.map((record) => record.topic));
    for (const [topic, measurement] of this.open) {
      if (delivered.has(topic)) measurement.lastDeliveredAt = at;
      else this.close(topic);
    }
  }

  /** Topics whose pause has not been confirmed by a fetch yet. */
  get pending(): number {
    return this.open.size;
  }

  private close(topic: string): void {
    const measurement = this.open.get(topic);
    if (!measurement) return;
    this.open.delete(topic);
    const { crossedAt, lastDeliveredAt } = measurement;
    this.observe(Math.max(0, (lastDeliveredAt ?? crossedAt) - crossedAt) / 1000);
  }
}
