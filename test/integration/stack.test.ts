import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { applyTopics } from '../../infra/kafka/apply-topics';
import type { TopicSpec } from '../../infra/kafka/topics';
import { stackStatus, stackUp } from '../../infra/local/stack';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

const config = testConfig();

describe('reelstream stack (real services)', () => {
  it('reports four healthy services with their versions', async () => {
    const reports = await stackStatus({ config });
    expect(reports.map((report) => report.name)).toEqual(['kafka', 'schema-registry', 'redis', 'clickhouse']);
    for (const report of reports) {
      expect({ name: report.name, healthy: report.healthy }).toEqual({ name: report.name, healthy: true });
      expect(report.version).toMatch(/\d+\.\d+/);
    }
  });

  it('stack up on a running stack starts nothing', async () => {
    const reports = await stackUp({ config });
    for (const report of reports) expect(['running', 'reused']).toContain(report.state);
  });
});

describe('topics apply (real broker)', () => {
  let admin: Admin;
  const compacted = uniqueName('it_catalog');
  const deleted = uniqueName('it_events');
  const specs: TopicSpec[] = [
    { name: compacted, partitions: 3, configs: { 'cleanup.policy': 'compact' }, description: '' },
    {
      name: deleted,
      partitions: 2,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '3600000' },
      description: '',
    },
  ];

  beforeAll(async () => {
    admin = createKafkaJs(config.kafka).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [compacted, deleted] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates topics with their configs, and a second apply changes nothing', async () => {
    const first = await applyTopics(admin, specs);
    expect(first.map((change) => change.kind)).toEqual(['create', 'create']);
    expect(await applyTopics(admin, specs)).toEqual([]);

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: compacted, configNames: ['cleanup.policy'] }],
    });
    expect(described.resources[0]?.configEntries[0]?.configValue).toBe('compact');
  });

  it('corrects a drifted config and grows partitions', async () => {
    await applyTopics(admin, specs);
    const drifted = specs.map((spec) =>
      spec.name === deleted
        ? { ...spec, partitions: 4, configs: { ...spec.configs, 'retention.ms': '7200000' } }
        : spec,
    );
    const changes = await applyTopics(admin, drifted);
    expect(changes.map((change) => change.kind).sort()).toEqual(['add-partitions', 'alter-configs']);
    expect(await applyTopics(admin, drifted)).toEqual([]);
    const metadata = await admin.fetchTopicMetadata({ topics: [deleted] });
    expect(metadata.topics[0]?.partitions).toHaveLength(4);
  });
});
