import type { PlaybackEvent } from '../schemas/types.generated';
import { hash32, unit, weighted, Zipf } from './random';
import type { Scenario } from './scenario';

const ERROR_CODES = ['DRM_LICENSE', 'NETWORK', 'DECODER', 'CDN_404'];
const BITRATES = [1_500, 3_000, 4_500, 6_000, 8_000];

/**
 * The simulated audience, stepped one second of event time at a time. A slot is one concurrent
 * viewer running sessions back to back: start, a heartbeat every `heartbeatSec` (some of them
 * rebuffers or errors), stop, then the next session one heartbeat later. Slot j only ever emits at
 * seconds ≡ j (mod heartbeat), so a second visits 1/heartbeat of the slots. Every attribute is a
 * hash of (seed, slot, generation), so the events are the same on every run with the same seed.
 *
 * Slots: [0, sessions) the steady audience (already mid-session at second 0); then the flash crowd
 * (one session each, on the most popular title); then the live event's audience.
 */
/** Epoch ms of simulated second 0: the scenario's, or `durationSec` before now, minute-aligned. */
export function scenarioStartMs(scenario: Scenario): number {
  return scenario.startMs ?? Math.floor((Date.now() - scenario.durationSec * 1_000) / 60_000) * 60_000;
}

export class Simulation {
  readonly startMs: number;
  private readonly zipf: Zipf;
  private readonly generation: Uint32Array;
  private readonly sessionStart: Float64Array;
  private readonly sessionBeats: Uint32Array;
  private readonly flashSlots: number;
  private readonly liveSlots: number;
  readonly totalSlots: number;

  constructor(private readonly scenario: Scenario) {
    const { sessions, heartbeatSec, flashCrowd, liveEvent } = scenario;
    this.startMs = scenarioStartMs(scenario);
    this.zipf = new Zipf(scenario.contents, scenario.zipfExponent);
    this.flashSlots = flashCrowd ? Math.round(sessions * (flashCrowd.factor - 1)) : 0;
    this.liveSlots = liveEvent ? Math.round(sessions * liveEvent.share) : 0;
    this.totalSlots = sessions + this.flashSlots + this.liveSlots;
    this.generation = new Uint32Array(this.totalSlots);
    this.sessionStart = new Float64Array(this.totalSlots);
    this.sessionBeats = new Uint32Array(this.totalSlots);
    for (let slot = 0; slot < this.totalSlots; slot += 1) {
      const phase = slot % heartbeatSec;
      if (slot < sessions) {
        // Already watching at second 0: the first session started some heartbeats ago.
        const beats = this.beatsOf(slot, 0);
        const done = hash32(scenario.seed, slot, 0, 9) % beats;
        this.sessionBeats[slot] = beats;
        this.sessionStart[slot] = phase - done * heartbeatSec;
      } else if (slot < sessions + this.flashSlots && flashCrowd) {
        this.sessionStart[slot] = alignedAtOrAfter(flashCrowd.atSec, phase, heartbeatSec);
        this.sessionBeats[slot] = Math.max(1, Math.round(flashCrowd.durationSec / heartbeatSec));
      } else if (liveEvent) {
        const joinAt = liveEvent.startSec - liveEvent.rampSec + (hash32(scenario.seed, slot, 0, 8) % liveEvent.rampSec);
        const start = alignedAtOrAfter(Math.max(0, joinAt), phase, heartbeatSec);
        this.sessionStart[slot] = start;
        this.sessionBeats[slot] = Math.max(1, Math.ceil((liveEvent.endSec - start) / heartbeatSec));
      }
    }
  }

  private beatsOf(slot: number, generation: number): number {
    const { minHeartbeats, maxHeartbeats, seed } = this.scenario;
    return (
      minHeartbeats + (hash32(seed, slot, generation, 1) % (Math.max(minHeartbeats, maxHeartbeats) - minHeartbeats + 1))
    );
  }

  /** Calls `emit` for every event of simulated second `second`, in slot order. */
  eventsAt(second: number, emit: (event: PlaybackEvent) => void): void {
    const { heartbeatSec, sessions } = this.scenario;
    for (let slot = second % heartbeatSec; slot < this.totalSlots; slot += heartbeatSec) {
      const start = this.sessionStart[slot] as number;
      if (second < start) continue;
      const beat = (second - start) / heartbeatSec;
      const beats = this.sessionBeats[slot] as number;
      if (beat > beats) continue; // a flash or live session that has ended
      emit(this.event(slot, beat, beat === beats));
      if (beat === beats && slot < sessions) {
        // The steady audience: the next session of this slot starts one heartbeat later.
        const generation = (this.generation[slot] as number) + 1;
        this.generation[slot] = generation;
        this.sessionStart[slot] = second + heartbeatSec;
        this.sessionBeats[slot] = this.beatsOf(slot, generation);
      }
    }
  }

  private event(slot: number, beat: number, last: boolean): PlaybackEvent {
    const { seed, sessions, heartbeatSec, regions, devices, tierMix, liveEvent } = this.scenario;
    const generation = this.generation[slot] as number;
    const flash = slot >= sessions && slot < sessions + this.flashSlots;
    const live = slot >= sessions + this.flashSlots;
    const sessionId = `s${slot}-${generation}`;
    const contentRank = flash ? 0 : this.zipf.rank(unit(seed, slot, generation, 2));
    const contentId = live
      ? `${this.scenario.contentPrefix}-live-${liveEvent?.id ?? 'event'}`
      : `${this.scenario.contentPrefix}-${contentRank}`;
    const second = (this.sessionStart[slot] as number) + beat * heartbeatSec;
    const roll = unit(seed, slot, generation * 65_536 + beat, 7);
    let eventType: PlaybackEvent['eventType'] = 'heartbeat';
    if (beat === 0) eventType = 'start';
    else if (last) eventType = 'stop';
    else if (roll < this.scenario.errorRate) eventType = 'error';
    else if (roll < this.scenario.errorRate + this.scenario.bufferingRate) eventType = 'buffering_end';
    return {
      eventId: `${sessionId}-${beat}`,
      sessionId,
      viewerId: `v${hash32(seed, slot, generation, 5) % Math.max(1, Math.floor(this.totalSlots * 0.8))}`,
      contentId,
      liveEventId: live ? (liveEvent?.id ?? null) : null,
      eventType,
      eventTimeMs: this.startMs + second * 1_000 + (slot % 997),
      positionMs: Math.max(0, beat * heartbeatSec * 1_000),
      bitrateKbps: BITRATES[(slot + beat) % BITRATES.length] as number,
      bufferingMs: eventType === 'buffering_end' ? 200 + (hash32(seed, slot, beat, 3) % 3_000) : 0,
      startupTimeMs: eventType === 'start' ? 300 + (hash32(seed, slot, generation, 4) % 2_700) : null,
      errorCode:
        eventType === 'error' ? (ERROR_CODES[hash32(seed, slot, beat, 6) % ERROR_CODES.length] as string) : null,
      deviceType: devices[hash32(seed, slot, generation, 10) % devices.length] as string,
      region: regions[hash32(seed, slot, generation, 11) % regions.length] as string,
      cdnEdge: `edge-${hash32(seed, slot, 0, 12) % 16}`,
      viewerTier: weighted(tierMix, unit(seed, slot, generation, 13)),
      appVersion: '5.2.0',
    };
  }
}

/** The first second ≥ `second` that is ≡ phase (mod period). */
function alignedAtOrAfter(second: number, phase: number, period: number): number {
  return second + ((((phase - second) % period) + period) % period);
}
