import { describeReplayPlan, parseReplayPoint, replayRange } from './replay-plan';
import { describeResetPlan, inputTopicsOf } from './reset-plan';
import { defineTopology } from '../runtime/dsl/define-topology';

describe('replay and reset plans', () => {
  it('widens a replay range to whole minutes, defaults --to to the current minute, refuses an empty range', () => {
    expect(replayRange(Date.parse('2026-12-06T10:00:30Z'), Date.parse('2026-12-06T10:05:10Z'))).toEqual({
      fromMs: Date.parse('2026-12-06T10:00:00Z'),
      toMs: Date.parse('2026-12-06T10:06:00Z'),
    });
    expect(replayRange(Date.parse('2026-12-06T10:00:00Z'), undefined, Date.parse('2026-12-06T11:30:45Z')).toMs).toBe(
      Date.parse('2026-12-06T11:30:00Z'),
    );
    expect(() => replayRange(Date.parse('2026-12-06T10:05:00Z'), Date.parse('2026-12-06T10:01:00Z'))).toThrow(
      /--to .* must be after --from/,
    );
  });

  it('reads a replay point as a time, an offset for every partition or offsets by partition, and refuses anything else', () => {
    expect(parseReplayPoint('--from', '2026-12-06T10:00:30Z')).toEqual({
      kind: 'time',
      ms: Date.parse('2026-12-06T10:00:30Z'),
    });
    expect(parseReplayPoint('--from', '120000')).toEqual({ kind: 'offsets', everyPartition: 120_000 });
    expect(parseReplayPoint('--to', '0:1200,2:980')).toEqual({
      kind: 'offsets',
      byPartition: new Map([
        [0, 1_200],
        [2, 980],
      ]),
    });
    expect(() => parseReplayPoint('--from', 'yesterday')).toThrow(
      '--from must be an ISO time (2026-12-06T10:00:00Z), an offset for every input partition (120000) or offsets by partition (0:1200,1:980), not "yesterday"',
    );
    expect(() => parseReplayPoint('--to', '0:1,0:2')).toThrow('--to: partition 0 is named twice in "0:1,0:2"');
    expect(() => parseReplayPoint('--to', '-5')).toThrow(/--to must be an ISO time/);
  });

  it('describes a replay plan and a reset plan line by line', () => {
    expect(
      describeReplayPlan({
        topology: 'playback-analytics',
        application: 'p-replay-x',
        range: { fromMs: Date.parse('2026-12-06T09:00:00Z'), toMs: Date.parse('2026-12-06T10:00:00Z') },
        partitions: [{ topic: 'plays', partition: 0, from: 10, to: 500 }],
        records: 490,
      }),
    ).toEqual([
      'replay of playback-analytics as application p-replay-x: event time [2026-12-06T09:00:00.000Z, 2026-12-06T10:00:00.000Z)',
      '  read plays[0] offsets 10 → 500',
      '  490 records to read; those outside the range are read and dropped',
    ]);
    expect(
      describeResetPlan(
        {
          application: 'app',
          offsets: [{ topic: 'plays', partition: 1, from: undefined, to: 0 }],
          deleteTopics: [],
          wipeDirectories: ['/s/app'],
        },
        { kind: 'earliest' },
      ),
    ).toEqual([
      'reset of application app: input offsets to the earliest offset',
      '  offset plays[1]: none committed → 0',
      '  no internal topics to delete',
      '  wipe local state /s/app',
    ]);
  });

  it('resets and replays the input topics only: not repartition, changelog or global-table topics', () => {
    const topology = defineTopology('app', (b) => {
      const table = b.globalTable<string, string>('titles', { store: 'titles' });
      b.stream<string, { id: string }>('plays')
        .leftJoin(
          table,
          (play) => play.id,
          (play, title) => ({ ...play, title }),
        )
        .groupBy((play) => play.id)
        .count({ store: 'counts' })
        .toStream()
        .to('out');
    });
    expect(inputTopicsOf(topology)).toEqual(['plays']);
  });
});
