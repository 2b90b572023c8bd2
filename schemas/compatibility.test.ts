import type { Schema } from 'avsc';
import { readSchema } from './catalog';
import { backwardIncompatibilities } from './compatibility';

const playback = () => readSchema('playback-event.avsc') as Schema & { fields: Record<string, unknown>[] };

describe('BACKWARD compatibility check', () => {
  it('accepts the schema against itself and an added optional field', () => {
    const v1 = playback();
    const v2 = playback();
    v2.fields.push({ name: 'drmSystem', type: ['null', 'string'], default: null });
    expect(backwardIncompatibilities(v1, v1)).toEqual([]);
    expect(backwardIncompatibilities(v2, v1)).toEqual([]);
  });

  it('names a field added without a default', () => {
    const v2 = playback();
    v2.fields.push({ name: 'drmSystem', type: 'string' });
    expect(backwardIncompatibilities(v2, playback())).toEqual([
      'PlaybackEvent.drmSystem: added without a default, so old records cannot be read',
    ]);
  });

  it('names a field whose type changed incompatibly', () => {
    const v2 = playback();
    const field = v2.fields.find((f) => f.name === 'bitrateKbps') as { type: unknown };
    field.type = 'string';
    const [problem] = backwardIncompatibilities(v2, playback());
    expect(problem).toMatch(/^PlaybackEvent\.bitrateKbps: /);
  });

  it('accepts a promotion (int to long) and names a removed enum symbol only when there is no default', () => {
    const promoted = playback();
    (promoted.fields.find((f) => f.name === 'bitrateKbps') as { type: unknown }).type = 'long';
    expect(backwardIncompatibilities(promoted, playback())).toEqual([]);

    const fewerTiers = playback();
    const tier = fewerTiers.fields.find((f) => f.name === 'viewerTier') as { type: { symbols: string[] } };
    tier.type.symbols = ['premium', 'standard'];
    expect(backwardIncompatibilities(fewerTiers, playback())).toEqual([
      'PlaybackEvent.viewerTier: symbols basic removed, and the enum has no default',
    ]);
  });
});
