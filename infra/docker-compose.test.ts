import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.yml cannot be started where there is no Docker (this project's CI machine): what can
 * be checked without it is checked here — it parses, and every file or directory a service mounts
 * from the project exists, so a renamed config (alert rules, dashboards, provisioning) fails a test.
 */
const root = resolve(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image?: string; volumes?: string[] }>;
};

describe('docker-compose.yml', () => {
  it('has the stack and the operations services, each from a pinned image', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      expect.arrayContaining(['clickhouse', 'grafana', 'kafka', 'prometheus', 'redis']),
    );
    for (const [name, service] of Object.entries(compose.services))
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/:v?[0-9][\w.-]*$/) });
  });

  it('mounts only files and directories of the project that exist', () => {
    const mounts = Object.entries(compose.services).flatMap(([name, service]) =>
      (service.volumes ?? [])
        .map((volume) => volume.split(':')[0] as string)
        .filter((source) => source.startsWith('./'))
        .map((source) => ({ name, source, exists: existsSync(join(root, source)) })),
    );
    expect(mounts.length).toBeGreaterThan(3);
    expect(mounts.filter(({ exists }) => !exists)).toEqual([]);
  });
});
