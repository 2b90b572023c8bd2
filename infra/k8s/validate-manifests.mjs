// Validates the Kubernetes manifests of this folder (or the files given) against the Kubernetes and
// KEDA schemas (the kubernetes-models packages: the API's OpenAPI schemas, compiled). Prints one line
// per resource and exits 1 if any is invalid or of a kind it does not know. Run by
// infra/k8s/manifests.test.ts in `npm test`; by hand: `node infra/k8s/validate-manifests.mjs`.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { StatefulSet, Deployment } from 'kubernetes-models/apps/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { parseAllDocuments } from 'yaml';

const MODELS = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/Deployment': Deployment,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

const folder = dirname(fileURLToPath(import.meta.url));
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(folder)
        .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
        .map((file) => join(folder, file));
let failures = 0;
let resources = 0;
for (const file of files) {
  for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (document.errors.length > 0) {
      failures += 1;
      console.log(`INVALID ${file}: YAML: ${document.errors.map((error) => error.message).join('; ')}`);
      continue;
    }
    const resource = document.toJS();
    if (resource === null) continue;
    resources += 1;
    const kind = `${resource.apiVersion}/${resource.kind}`;
    const Model = MODELS[kind];
    const name = `${file}: ${kind} ${resource.metadata?.name ?? '(no name)'}`;
    if (!Model) {
      failures += 1;
      console.log(`INVALID ${name}: no schema for this kind`);
      continue;
    }
    try {
      new Model(resource).validate();
      console.log(`valid   ${name}`);
    } catch (error) {
      failures += 1;
      console.log(`INVALID ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
console.log(`${resources} resources, ${failures} invalid`);
process.exit(failures === 0 && resources > 0 ? 0 : 1);
