import { TopologyTestDriver } from '../runtime/testing/topology-test-driver';
import catalogSync from '../topologies/catalog-sync';
import { resolveCatalogUpdate, type CatalogState } from '../processors/catalog/catalog-rules';
import { catalogUpdateOf } from '../processors/catalog/catalog-validation';
import { metricsRegistry } from '../runtime/metrics';
import { catalogCampaign, finalCatalog } from './catalog';

async function changesCounted(outcome: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('reelstream_catalog_changes_total')?.get();
  return metric?.values.find((sample) => sample.labels.outcome === outcome)?.value ?? 0;
}

describe('the simulated catalog campaign', () => {
  const options = {
    seed: 7,
    contentPrefix: 'content',
    contents: 50,
    regions: ['eu-west', 'us-east'],
    updates: 2_000,
    startMs: 1_700_000_000_000,
  };

  it('is deterministic and holds every kind of awkward update', () => {
    const { records } = catalogCampaign(options);
    expect(catalogCampaign(options).records).toEqual(records);
    expect(records.slice(0, 50).map((record) => record.value?.title)).toEqual(
      Array.from({ length: 50 }, (_, i) => `Title ${i}`),
    );
    expect(records.some((record) => record.value === null)).toBe(true);
  });

  it('leaves some titles unlicensed in a region, and some with a licence that ends during the run', () => {
    const catalog = [...finalCatalog(catalogCampaign(options).expected).values()];
    const windows = catalog.flatMap((metadata) => metadata.availability);
    expect(catalog.some((metadata) => metadata.availability.length < options.regions.length)).toBe(true);
    expect(windows.filter((window) => window.endMs !== null).map((window) => window.endMs)).toContain(
      options.startMs + 120_000,
    );
  });

  it('leaves catalog-sync holding exactly the expected state, with each kind of rejection counted', () => {
    const { records, expected } = catalogCampaign(options);
    const driver = new TopologyTestDriver(catalogSync);
    driver.pipeInputs('catalog.content', records);
    const store = driver.store('catalog-current');
    for (const [id, state] of expected) expect(store.get(id)).toEqual(state);
    expect(driver.deadLetters()).toEqual([]);
    const dropped = driver.metrics.dropped.get('catalog-sync') ?? new Map<string, number>();
    expect([...dropped.keys()].sort()).toEqual(['conflict-lost', 'duplicate', 'stale']);
  });

  it('counts every change catalog-sync applies by outcome, the conflicts it resolved among them', async () => {
    const { records } = catalogCampaign({ ...options, seed: 8 });
    const reference = new Map<string, CatalogState>();
    let conflictsWon = 0;
    for (const record of records) {
      const { outcome, next } = resolveCatalogUpdate(
        reference.get(record.key),
        catalogUpdateOf(record.key, record.value, record.headers, 0),
      );
      if (outcome === 'conflict-won') conflictsWon += 1;
      reference.set(record.key, next);
    }
    const wonBefore = await changesCounted('conflict-won');
    new TopologyTestDriver(catalogSync).pipeInputs('catalog.content', records);
    expect(conflictsWon).toBeGreaterThan(0);
    expect((await changesCounted('conflict-won')) - wonBefore).toBe(conflictsWon);
  });
});
