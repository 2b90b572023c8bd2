import type { Logger } from '../../core/logging';
import { LoopWatchdog } from './loop-watchdog';

function watched() {
  let now = 0;
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const log = { warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }) };
  const watchdog = new LoopWatchdog(log as unknown as Logger, 30_000, () => now);
  return { watchdog, warnings, advance: (ms: number) => (now += ms) };
}

describe('LoopWatchdog', () => {
  it('warns once a step lasts the stall period, naming it, then once per period while it lasts', () => {
    const { watchdog, warnings, advance } = watched();
    watchdog.enter('fetching');
    advance(29_000);
    watchdog.check();
    expect(warnings).toEqual([]);
    advance(2_000);
    watchdog.check();
    watchdog.check();
    expect(warnings).toEqual([
      { fields: { step: 'fetching', waitedMs: 31_000 }, message: 'stream thread stalled: fetching for 31 s' },
    ]);
    advance(30_000);
    watchdog.check();
    expect(warnings.map((warning) => warning.message)).toEqual([
      'stream thread stalled: fetching for 31 s',
      'stream thread stalled: fetching for 61 s',
    ]);
  });

  it('says nothing while the loop moves on from step to step', () => {
    const { watchdog, warnings, advance } = watched();
    for (let turn = 0; turn < 100; turn += 1) {
      watchdog.enter('fetching');
      advance(20_000);
      watchdog.enter('committing');
      advance(20_000);
      watchdog.check();
    }
    expect(warnings).toEqual([]);
  });
});
