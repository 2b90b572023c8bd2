import type { StreamRecord } from '../../processors/api/record';
import { defineTopology } from '../dsl/define-topology';
import { clickhouseRows } from '../dsl/sinks';
import { createLogger } from '../logging';
import type { Sink, SinkDescriptor } from '../topology/sink-descriptor';
import { SinkSet } from './sink-set';

/** A sink that records what reached it and in which order: written, then flushed. */
class RecordingSink implements Sink {
  readonly name = 'recording';
  readonly events: string[] = [];
  write(batch: readonly StreamRecord[]): void {
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

function sinkSetWith(sink: RecordingSink): { sinks: SinkSet; descriptor: SinkDescriptor } {
  let descriptor: SinkDescriptor | undefined;
  const sinks = new SinkSet(
    topology,
    (given) => {
      descriptor = given;
      return sink;
    },
    'sink-set',
    createLogger('test'),
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
