import { ConfigError } from '../../core/errors';
import type { SampledLane, ShedRule } from '../../runtime/flow/sampling-controller';
import type { PlaybackEvent } from '../../schemas/types.generated';
import type { Sampled, SamplerOptions } from '../sampler';
import type { SampleMark } from './playback-window-state';
import { TIER_PRIORITY, VIEWER_TIERS } from './tier-lanes';

/**
 * How playback is sampled under overload (docs/overload.md): by viewer tier, lowest first, never
 * premium; a viewer is kept or dropped as a whole (unit = viewer id); lifecycle events are never
 * sampled, only shed.
 */
export const LIFECYCLE_EVENTS: ReadonlySet<PlaybackEvent['eventType']> = new Set([
  'start',
  'stop',
  'error',
  'buffering_start',
  'buffering_end',
]);

export const PLAYBACK_SAMPLED_LANES: readonly SampledLane[] = VIEWER_TIERS.map((tier) => ({
  lane: tier,
  priority: TIER_PRIORITY[tier],
  sampled: tier !== 'premium',
}));

/** Shed first basic, up to half its viewers, then standard, up to a fifth; never premium. */
export const DEFAULT_SHED_POLICY = 'basic:0.5,standard:0.2';

/**
 * The shedding policy from its written form, `<tier>:<max share>,…` in the order lanes are shed
 * (PLAYBACK_SHED_POLICY; `none` sheds nothing). A bad policy fails at once naming what is wrong.
 */
export function parseShedPolicy(text = process.env.PLAYBACK_SHED_POLICY ?? DEFAULT_SHED_POLICY): ShedRule[] {
  if (text.trim() === 'none') return [];
  return text.split(',').map((part) => {
    const match = /^\s*([a-z]+)\s*:\s*(0(?:\.\d+)?)\s*$/.exec(part);
    if (!match) throw new ConfigError(`PLAYBACK_SHED_POLICY: "${part}" is not <tier>:<share below 1>`);
    const [, lane, share] = match as unknown as [string, string, string];
    const tier = PLAYBACK_SAMPLED_LANES.find((candidate) => candidate.lane === lane);
    if (!tier)
      throw new ConfigError(`PLAYBACK_SHED_POLICY: "${lane}" is not a viewer tier (${VIEWER_TIERS.join(', ')})`);
    if (!tier.sampled) throw new ConfigError(`PLAYBACK_SHED_POLICY: ${lane} is never shed`);
    return { lane, maxShedShare: Number(share) };
  });
}

/** What is sampled of playback and how: by tier, whole viewers, lifecycle events only shed. */
export const PLAYBACK_SAMPLING: Omit<SamplerOptions<PlaybackEvent>, 'keptChild' | 'ledgerChild'> = {
  laneOf: (event) => event.viewerTier,
  exempt: (event) => LIFECYCLE_EVENTS.has(event.eventType),
  unitOf: (event) => event.viewerId,
};

/** A playback event as the real-time path carries it after the sampler: with its mark when it was sampled. */
export type WeighedPlaybackEvent = PlaybackEvent & { sample?: SampleMark };

/**
 * The event with its mark, as the windows need it; an event kept whole (nothing sampled) passes
 * on as it came, so with overload control off the path carries exactly what it read.
 */
export function weighed(sampled: Sampled<PlaybackEvent>): WeighedPlaybackEvent {
  const mark = sampleMarkOf(sampled);
  return mark ? { ...sampled.value, sample: mark } : sampled.value;
}

/** How a kept event counts in the window state. */
export function sampleMarkOf(sampled: Sampled<unknown>): SampleMark | undefined {
  if (sampled.keptWith === 1 && sampled.sampleRate === 1) return undefined;
  return { keptWith: sampled.keptWith, rangeWeight: sampled.unitSampled ? 1 / sampled.sampleRate : 0 };
}
