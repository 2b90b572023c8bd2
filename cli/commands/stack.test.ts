import { formatReports } from './stack';

describe('stack status output', () => {
  it('prints one aligned row per service with state, health, owner, address and version', () => {
    const text = formatReports([
      {
        name: 'kafka',
        address: '127.0.0.1:9092',
        state: 'started',
        managed: true,
        healthy: true,
        version: 'Kafka 3.9.1',
      },
      { name: 'redis', address: 'redis://127.0.0.1:6379', state: 'not running', managed: false, healthy: false },
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+STATE\s+HEALTH\s+OWNER\s+ADDRESS\s+VERSION$/);
    expect(lines[1]).toMatch(/^kafka\s+started\s+healthy\s+reelstream\s+127\.0\.0\.1:9092\s+Kafka 3\.9\.1$/);
    expect(lines[2]).toMatch(/^redis\s+not running\s+down\s+external\s+redis:\/\/127\.0\.0\.1:6379\s+-$/);
    expect(lines[1]?.indexOf('started')).toBe(lines[2]?.indexOf('not running'));
  });
});
