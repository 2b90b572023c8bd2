import type { StreamRecord } from '../../processors/api/record';
import { defineTopology } from '../dsl/define-topology';
import { clickhouseRows } from '../dsl/sinks';
import { ServiceUnavailableError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { metricsRegistry } from '../metrics';
import type { Sink, SinkDescriptor } from '../topology/sink-descriptor';
import { SinkSet } from './sink-set';

/** A sink that records what reached it and in which order: written, then flushed. */
class RecordingSink implements Sink {
  readonly name = 'recording';
  readonly events: string[] = [];
  write(batch: readonly StreamRecord[], _refuse?: (record: StreamRecord, error: Error) => void): void {
    for (const record of batch) this.events.push(`write ${String(record.value)}`);
  }
  async flush(): Promise<void> {
    this.events.push('flush');
  }
  discard(): void {
    this.events.push('discard');
  }
  load() {
    return { records: 0, bytes: 0 };
  }
  async close(): Promise<void> {}
}

const topology = defineTopology('sink-set', (b) => {
  b.stream<string, string>('in').to(clickhouseRows('rows'));
});

function sinkSetWith(
  sink: Sink,
  options: { refused?: string[]; stallWarningMs?: number } = {},
): { sinks: SinkSet; descriptor: SinkDescriptor } {
  let descriptor: SinkDescriptor | undefined;
  const sinks = new SinkSet(
    topology,
    (given) => {
      descriptor = given;
      return sink;
    },
    {
      applicationId: 'sink-set',
      log: createLogger('test'),
      stallWarningMs: options.stallWarningMs,
      onRefused: (id, record, error) => options.refused?.push(`${id} ${String(record.value)}: ${error.message}`),
    },
  );
  return { sinks, descriptor: descriptor as SinkDescriptor };
}

describe('SinkSet', () => {
  it('hands a sink what was emitted since the last batch before flushing it (output emitted at commit)', async () => {
    const sink = new RecordingSink();
    const { sinks, descriptor } = sinkSetWith(sink);
    sinks.add(descriptor, { key: 'k', value: 'a', timestamp: 0 });
    sinks.writePending();
    sinks.add(descriptor, { key: 'k', value: 'b', timestamp: 0 });
    await sinks.flush(() => false);
    expect(sink.events).toEqual(['write a', 'write b', 'flush']);
  });

  it('drops what was not handed over when the transaction aborts', async () => {
    const sink = new RecordingSink();
    const { sinks, descriptor } = sinkSetWith(sink);
    sinks.add(descriptor, { key: 'k', value: 'a', timestamp: 0 });
    sinks.discard();
    await sinks.flush(() => false);
    expect(sink.events).toEqual(['discard', 'flush']);
  });
});

describe('SinkSet: refusals, outages, lost data', () => {
  /** A sink that refuses values starting with "bad", can be down, and can report lost data. */
  class ChoosySink extends RecordingSink {
    down = 0;
    lost = false;
    override write(batch: readonly StreamRecord[], refuse: (record: StreamRecord, error: Error) => void): void {
      for (const record of batch) {
        if (String(record.value).startsWith('bad')) refuse(record, new Error(`cannot take ${String(record.value)}`));
        else this.events.push(`write ${String(record.value)}`);
      }
    }
    override async flush(): Promise<void> {
      if (this.down > 0) {
        this.down -= 1;
        throw new ServiceUnavailableError('choosy', 'down');
      }
      this.events.push('flush');
    }
    takeDataLoss(): boolean {
      const lost = this.lost;
      this.lost = false;
      return lost;
    }
  }

  it('routes what a sink refuses to onRefused and writes the rest', async () => {
    const sink = new ChoosySink();
    const refused: string[] = [];
    const { sinks, descriptor } = sinkSetWith(sink, { refused });
    for (const value of ['a', 'bad-key', 'b']) sinks.add(descriptor, { key: 'k', value, timestamp: 0 });
    await sinks.flush(() => false);
    expect(sink.events).toEqual(['write a', 'write b', 'flush']);
    expect(refused).toEqual(['clickhouse-rows:rows bad-key: cannot take bad-key']);
  });

  it('waits through an outage: flush retries until the sink acknowledges, and the failing gauge returns to 0', async () => {
    const sink = new ChoosySink();
    sink.down = 3;
    const { sinks, descriptor } = sinkSetWith(sink, { stallWarningMs: 1_000 });
    sinks.add(descriptor, { key: 'k', value: 'a', timestamp: 0 });
    await sinks.flush(() => false);
    expect(sink.down).toBe(0);
    expect(sink.events).toEqual(['write a', 'flush']);
    const failures = await metricsRegistry.getSingleMetric('reelstream_sink_flush_failures_total')?.get();
    expect(failures?.values.find((v) => v.labels.application === 'sink-set')?.value).toBeGreaterThanOrEqual(3);
    const failing = await metricsRegistry.getSingleMetric('reelstream_sink_failing_seconds')?.get();
    expect(failing?.values.find((v) => v.labels.application === 'sink-set')?.value).toBe(0);
  }, 20_000);

  it('gives up on an outage only when told to (the application is stopping)', async () => {
    const sink = new ChoosySink();
    sink.down = 1_000;
    const { sinks } = sinkSetWith(sink);
    await expect(sinks.flush(() => true)).rejects.toMatchObject({ retriable: true });
  });

  it('keeps reporting a sink that lost its data until the rewrite was committed', async () => {
    const sink = new ChoosySink();
    const { sinks } = sinkSetWith(sink);
    sink.lost = true;
    expect(sinks.dataLost()).toBe(true);
    expect(sinks.dataLost()).toBe(true); // the commit with the rewrite aborted: still lost
    sinks.resent();
    expect(sinks.dataLost()).toBe(false);
  });
});
