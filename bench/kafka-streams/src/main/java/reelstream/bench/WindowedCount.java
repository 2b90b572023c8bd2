package reelstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The windowed count of bench:engine on Kafka Streams: JSON view events {contentId, at}, re-keyed by
 * content id (a repartition topic), counted per 1-minute tumbling window (grace 1 day) in a
 * changelogged store, updates written to the output as "contentId@windowStart" → count. One stream
 * thread, exactly_once_v2. Runs until SIGTERM.
 *
 * Arguments: bootstrap servers, application id, input topic, output topic, commit interval (ms), state dir.
 */
public final class WindowedCount {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode parse(String value) {
    try {
      return JSON.readTree(value);
    } catch (Exception e) {
      throw new IllegalArgumentException("not JSON: " + value, e);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 6) {
      System.err.println("usage: WindowedCount <bootstrap> <application id> <input> <output> <commit interval ms> <state dir>");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Integer.parseInt(args[4]));
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[5]);
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.String().getClass());
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.String().getClass());
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

    TimestampExtractor eventTime = (record, partitionTime) -> parse((String) record.value()).get("at").asLong();
    StreamsBuilder builder = new StreamsBuilder();
    builder
        .stream(args[2], Consumed.with(Serdes.String(), Serdes.String()).withTimestampExtractor(eventTime))
        .groupBy((key, value) -> parse(value).get("contentId").asText(), Grouped.with("by-content", Serdes.String(), Serdes.String()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), Duration.ofDays(1)))
        .count(Materialized.as("counts"))
        .toStream()
        .map((window, count) -> KeyValue.pair(window.key() + "@" + window.window().start(), String.valueOf(count)))
        .to(args[3], Produced.with(Serdes.String(), Serdes.String()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      stopped.countDown();
    }));
    streams.start();
    stopped.await();
  }
}
