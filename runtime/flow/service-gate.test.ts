import { backgroundYieldSeconds } from '../metrics';
import { createLogger } from '../../core/logging';
import { DEFAULT_SERVICE_GATE, ServiceGate } from './service-gate';

/** A gate on a clock of the test's own; sleeping moves the clock and is recorded. */
function gateOnClock() {
  let now = 1_000_000;
  const slept: number[] = [];
  const messages: string[] = [];
  const log = createLogger('service-gate-test');
  jest.spyOn(log, 'warn').mockImplementation(((_: unknown, message: string) => messages.push(message)) as never);
  jest.spyOn(log, 'info').mockImplementation(((_: unknown, message: string) => messages.push(message)) as never);
  const gate = new ServiceGate(
    log,
    DEFAULT_SERVICE_GATE,
    () => now,
    async (ms) => {
      slept.push(ms);
      now += ms;
    },
  );
  return { gate, slept, messages, advance: (ms: number) => (now += ms) };
}

describe('ServiceGate', () => {
  it('lets a background application run freely while no realtime one is behind', async () => {
    const { gate, slept } = gateOnClock();
    gate.reportRealtime('rt', false);
    gate.realtimeWorked('rt');
    expect(await gate.backgroundTurn('bg', 50)).toBe(0);
    expect(slept).toEqual([]);
  });

  it('makes it yield to a realtime application that is behind and working, keeping a tenth of the loop', async () => {
    const { gate, slept, messages } = gateOnClock();
    const before = (await backgroundYieldSeconds.get()).values.find((v) => v.labels.application === 'bg')?.value ?? 0;
    gate.reportRealtime('rt', true);
    gate.realtimeWorked('rt');
    expect(gate.yieldsTo()).toBe('rt');
    // A 20 ms turn is followed by 180 ms of waiting: 10 % of the loop.
    expect(await gate.backgroundTurn('bg', 20)).toBeCloseTo(180);
    // A long turn waits at most a second.
    expect(await gate.backgroundTurn('bg', 500)).toBe(1_000);
    expect(slept).toHaveLength(2);
    expect(messages).toEqual([
      'bg yields to rt, which is behind: it keeps 10 % of the process until rt is back to normal',
    ]);
    const after = (await backgroundYieldSeconds.get()).values.find((v) => v.labels.application === 'bg')?.value ?? 0;
    expect(after - before).toBeCloseTo(1.18);
  });

  it('does not yield to a realtime application that is behind but processes nothing (its sink is down)', async () => {
    const { gate, advance } = gateOnClock();
    gate.reportRealtime('rt', true);
    gate.realtimeWorked('rt');
    advance(DEFAULT_SERVICE_GATE.workingForMs + 1);
    expect(gate.yieldsTo()).toBeUndefined();
    expect(await gate.backgroundTurn('bg', 20)).toBe(0);
  });

  it('stops yielding, and says so, once the realtime application is back to normal', async () => {
    const { gate, messages } = gateOnClock();
    gate.reportRealtime('rt', true);
    gate.realtimeWorked('rt');
    expect(await gate.backgroundTurn('bg', 10)).toBeGreaterThan(0);
    gate.reportRealtime('rt', false);
    gate.realtimeWorked('rt');
    expect(await gate.backgroundTurn('bg', 10)).toBe(0);
    expect(messages.at(-1)).toBe('bg no longer yields to rt');
  });
});
