import { CATALOG_CONTENT_TOPIC, pipelineTopics, planTopicChanges, type ExistingTopic } from './topics';

describe('pipeline topic specs', () => {
  it("has the pipeline's topics with their cleanup policies", () => {
    const byName = new Map(pipelineTopics().map((spec) => [spec.name, spec]));
    expect(byName.get('playback.events')?.configs['cleanup.policy']).toBe('delete');
    expect(byName.get('playback.events')?.configs['retention.ms']).toBe(String(7 * 24 * 3600 * 1000));
    expect(byName.get(CATALOG_CONTENT_TOPIC)?.configs['cleanup.policy']).toBe('compact');
    expect(byName.get('cache.invalidation')?.configs['cleanup.policy']).toBe('compact');
    expect(byName.get('playback-analytics.dlq')?.configs['retention.ms']).toBe(String(14 * 24 * 3600 * 1000));
  });
});

describe('planTopicChanges', () => {
  const spec = { name: 't', partitions: 3, configs: { 'cleanup.policy': 'compact' }, description: '' };

  it('creates a missing topic', () => {
    expect(planTopicChanges([spec], new Map())).toEqual([
      { kind: 'create', topic: 't', partitions: 3, configs: { 'cleanup.policy': 'compact' } },
    ]);
  });

  it('plans nothing when the cluster already matches (idempotence)', () => {
    const existing = new Map<string, ExistingTopic>([
      ['t', { partitions: 3, configs: { 'cleanup.policy': 'compact' } }],
    ]);
    expect(planTopicChanges([spec], existing)).toEqual([]);
  });

  it('grows partitions and corrects configs, but never shrinks', () => {
    const fewer = new Map<string, ExistingTopic>([['t', { partitions: 1, configs: { 'cleanup.policy': 'delete' } }]]);
    expect(planTopicChanges([spec], fewer)).toEqual([
      { kind: 'add-partitions', topic: 't', from: 1, to: 3 },
      { kind: 'alter-configs', topic: 't', changes: { 'cleanup.policy': { from: 'delete', to: 'compact' } } },
    ]);
    const more = new Map<string, ExistingTopic>([['t', { partitions: 8, configs: { 'cleanup.policy': 'compact' } }]]);
    expect(planTopicChanges([spec], more)).toEqual([{ kind: 'cannot-shrink', topic: 't', actual: 8, wanted: 3 }]);
  });
});
