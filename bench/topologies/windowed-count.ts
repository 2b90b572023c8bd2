import { defineTopology, tumbling } from '../../runtime/dsl';

/**
 * The windowed count of bench:vs-kafka-streams, run by `reelstream run`: view events re-keyed by
 * content id (repartition), counted per 1-minute tumbling window (grace 1 day) in a changelogged
 * store, updates at most once a second per window (Kafka Streams' record cache emits at most once
 * per commit). BENCH_APP, BENCH_INPUT and BENCH_OUTPUT name the run's topics.
 */
export default defineTopology(process.env.BENCH_APP ?? 'bench-windowed-count', (b) => {
  b.stream<string, { contentId: string; at: number }>(process.env.BENCH_INPUT ?? 'bench-input', {
    timestamp: (event) => event.at,
  })
    .groupBy((event) => event.contentId, { name: 'by-content' })
    .windowedBy(tumbling('1m').grace('1d'))
    .count({ store: 'counts', emit: { updates: '1s', final: false } })
    .to(process.env.BENCH_OUTPUT ?? 'bench-output');
});
