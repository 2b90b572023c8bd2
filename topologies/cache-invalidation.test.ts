import { TopologyTestDriver } from '../runtime/testing/topology-test-driver';
import { contentMetadata } from '../schemas/testing/content-metadata';
import cacheInvalidation from './cache-invalidation';

describe('cache-invalidation topology', () => {
  it('turns every catalog change into a content_id invalidation at its version; a corrupt record goes to the DLQ', () => {
    const driver = new TopologyTestDriver(cacheInvalidation);
    driver.pipeInputs('catalog.content', [
      { key: 'c1', value: contentMetadata({ contentId: 'c1', version: 4, title: 'Night Train' }), timestamp: 10 },
      { key: 'c2', value: null, headers: { version: '9' }, timestamp: 11 },
      { key: 'c3', value: contentMetadata({ contentId: 'other', version: 1, title: 'Mismatch' }), timestamp: 12 },
    ]);
    expect(driver.readOutput('cache.invalidation').map((r) => [r.key, r.value])).toEqual([
      ['c1', { targetType: 'content_id', target: 'c1', version: 4, reason: 'catalog-update', issuedAtMs: 10 }],
      ['c2', { targetType: 'content_id', target: 'c2', version: 9, reason: 'catalog-delete', issuedAtMs: 11 }],
    ]);
    expect(driver.deadLetters().map((letter) => letter.reason)).toEqual([
      'invalid catalog record (key-mismatch): key c3 holds content other',
    ]);
  });

  it('sends valid invalidations to level 2 and refuses an empty target or a bad version', () => {
    const driver = new TopologyTestDriver(cacheInvalidation);
    const invalidation = (target: string, version: number) => ({
      key: target,
      value: { targetType: 'prefix', target, version, reason: 'test', issuedAtMs: 1 },
    });
    driver.pipeInputs('cache.invalidation', [
      invalidation('content:', 3),
      invalidation('', 3),
      invalidation('row:', -1),
    ]);
    driver.pipeInput('cache.invalidation', { key: 'gone', value: null }); // compaction's tombstone: nothing to do
    const sunk = driver.sinkRecords('cache').map((r) => r.value);
    expect(sunk).toEqual([{ targetType: 'prefix', target: 'content:', version: 3, reason: 'test', issuedAtMs: 1 }]);
    expect(driver.deadLetters()).toHaveLength(2);
  });
});
