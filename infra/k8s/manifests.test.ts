import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const validator = join(__dirname, 'validate-manifests.mjs');

/** The validator's verdict on some files: its exit code and output. */
async function validate(files: string[] = []): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [validator, ...files]);
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

describe('Kubernetes manifests (infra/k8s)', () => {
  it('are valid against the Kubernetes and KEDA schemas, probes on /healthz and /readyz', async () => {
    const { code, output } = await validate();
    expect(output).toContain('apps/v1/StatefulSet reelstream-playback');
    expect(output).toContain('keda.sh/v1alpha1/ScaledObject reelstream-playback');
    expect(output).toContain('v1/Service reelstream-metrics');
    expect(output).toContain('v1/ConfigMap reelstream-config');
    expect(output).toMatch(/4 resources, 0 invalid/);
    expect(code).toBe(0);
    const statefulSet = readFileSync(join(__dirname, 'statefulset.yaml'), 'utf8');
    expect(statefulSet).toContain('path: /healthz');
    expect(statefulSet).toContain('path: /readyz');
  });

  it('a manifest with a wrong type or an unknown kind fails validation, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifests-'));
    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      readFileSync(join(__dirname, 'statefulset.yaml'), 'utf8').replace('replicas: 2', 'replicas: two'),
    );
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: { name: g }\n');
    const { code, output } = await validate([broken, unknown]);
    expect(code).toBe(1);
    expect(output).toMatch(
      /INVALID .*broken\.yaml: apps\/v1\/StatefulSet reelstream-playback: .*replicas must be integer/,
    );
    expect(output).toMatch(/INVALID .*unknown\.yaml: example\.com\/v1\/Gadget g: no schema for this kind/);
  });
});
