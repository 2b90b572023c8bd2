import { defineTopology, tumbling } from '../dsl';
import { defaultLaneDrift } from './lane-drift';

const withGrace = (...graces: string[]) =>
  defineTopology('drift', (b) => {
    const plays = b.stream<string, { contentId: string }>(['premium', 'basic'], { lanes: { premium: 2, basic: 0 } });
    graces.forEach((grace, index) =>
      plays
        .groupBy((event) => event.contentId, { name: `by-content-${index}` })
        .windowedBy(tumbling('1m').grace(grace as '30s'))
        .count({ store: `counts-${index}` })
        .to(`out-${index}`),
    );
  });

describe('the default lane drift', () => {
  it('is the smallest grace less 15 s, at least half of it', () => {
    expect(defaultLaneDrift(withGrace('30s'))).toBe(15_000);
    expect(defaultLaneDrift(withGrace('90s', '2m'))).toBe(75_000);
    expect(defaultLaneDrift(withGrace('10s', '90s'))).toBe(5_000);
  });

  it('is unbounded without windows: no record can come late', () => {
    expect(defaultLaneDrift(withGrace())).toBe(Number.POSITIVE_INFINITY);
  });
});
