import { z } from 'zod';

/**
 * What `reelstream simulate` plays: concurrent sessions (slots, each running one session after
 * another), their heartbeat, content popularity, audience mix, quality problems, a flash crowd and a
 * live event. Every field has a default; a bad value fails at once naming the field.
 */
export const scenarioSchema = z.strictObject({
  seed: z.int().default(42),
  /** Concurrent sessions at steady state (slots). */
  sessions: z.int().min(1).max(5_000_000).default(10_000),
  /** Simulated event time, in seconds. */
  durationSec: z.int().min(1).default(300),
  /** Epoch ms of simulated second 0; default: `durationSec` before now, minute-aligned. */
  startMs: z.int().optional(),
  heartbeatSec: z.int().min(1).max(60).default(10),
  /** Session length in heartbeats: uniform between these. */
  minHeartbeats: z.int().min(1).default(3),
  maxHeartbeats: z.int().min(1).default(90),
  contents: z.int().min(1).default(1_000),
  /** Content ids are `<prefix>-<rank>`: a run with its own prefix never shares windows with another. */
  contentPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only')
    .default('content'),
  zipfExponent: z.number().positive().default(1.1),
  regions: z.array(z.string().min(1)).min(1).default(['eu-west', 'eu-north', 'us-east', 'us-west', 'ap-south']),
  devices: z.array(z.string().min(1)).min(1).default(['tv', 'mobile', 'web', 'console']),
  tierMix: z
    .strictObject({ premium: z.number().min(0), standard: z.number().min(0), basic: z.number().min(0) })
    .default({ premium: 0.2, standard: 0.5, basic: 0.3 }),
  /** Share of heartbeats that report a rebuffer (buffering_end). */
  bufferingRate: z.number().min(0).max(1).default(0.03),
  /** Share of heartbeats that are player errors. */
  errorRate: z.number().min(0).max(1).default(0.002),
  /** A flash crowd: `factor` × sessions extra viewers join the top title within a heartbeat interval. */
  flashCrowd: z
    .strictObject({ atSec: z.int().min(0), factor: z.number().min(1).max(10), durationSec: z.int().min(1) })
    .optional(),
  /** A live event: a share of sessions joins in the `rampSec` before it starts and leaves when it ends. */
  liveEvent: z
    .strictObject({
      id: z.string().min(1).default('live-event-1'),
      startSec: z.int().min(0),
      endSec: z.int().min(1),
      share: z.number().min(0).max(1).default(0.1),
      rampSec: z.int().min(1).default(60),
    })
    .optional(),
});

export type Scenario = z.infer<typeof scenarioSchema>;
