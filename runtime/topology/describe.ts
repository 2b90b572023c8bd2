import type { PhysicalNode, Topology } from './topology';

export type DescribeFormat = 'text' | 'mermaid' | 'json';

function nodeLine(node: PhysicalNode): string {
  switch (node.kind) {
    case 'source':
      return `Source: ${node.name} (topics: [${node.topics.join(', ')}])`;
    case 'topic-sink':
      return node.lanes
        ? `Sink: ${node.name} (topic per lane: ${Object.entries(node.lanes)
            .map(([topic, priority]) => `${priority} → ${topic}`)
            .join(', ')})`
        : `Sink: ${node.name} (topic: ${node.topics[0]})`;
    case 'adapter-sink':
      return `Sink: ${node.name} (${node.sink?.type}: ${node.sink?.name})`;
    default:
      return `Processor: ${node.name} (${node.operator}; stores: [${node.stores.join(', ')}])`;
  }
}

/** The Kafka Streams-style text form: sub-topologies, each node with its successors and predecessors. */
export function describeText(topology: Topology): string {
  const lines = [`Topology: ${topology.name}`];
  for (const sub of topology.subtopologies) {
    lines.push(`  ${sub.global ? 'Global sub-topology' : 'Sub-topology'}: ${sub.id}`);
    for (const name of sub.nodes) {
      const node = topology.nodes.get(name) as PhysicalNode;
      lines.push(`    ${nodeLine(node)}`);
      if (node.children.length > 0) lines.push(`      --> ${node.children.join(', ')}`);
      if (node.parents.length > 0) lines.push(`      <-- ${node.parents.join(', ')}`);
    }
  }
  if (topology.internalTopics.length > 0) lines.push(`  Internal topics: ${topology.internalTopics.join(', ')}`);
  return lines.join('\n');
}

const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
const label = (text: string) => text.replace(/"/g, '#quot;');

/** A Mermaid flowchart: one subgraph per sub-topology, topics as stadium shapes, stores as cylinders. */
export function describeMermaid(topology: Topology): string {
  const lines = ['flowchart TD'];
  const topicEdges: string[] = [];
  const topics = new Set<string>();
  for (const sub of topology.subtopologies) {
    lines.push(`  subgraph sub${sub.id}["${sub.global ? 'global ' : ''}sub-topology ${sub.id}"]`);
    for (const name of sub.nodes) {
      const node = topology.nodes.get(name) as PhysicalNode;
      const text =
        node.kind === 'adapter-sink'
          ? `${node.name}<br/>${node.sink?.type}: ${node.sink?.name}`
          : `${node.name}<br/>${node.operator}`;
      lines.push(`    ${id(name)}["${label(text)}"]`);
      for (const child of node.children) lines.push(`    ${id(name)} --> ${id(child)}`);
      for (const store of node.stores) lines.push(`    ${id(name)} -.- store_${id(store)}[("${label(store)}")]`);
      for (const topic of node.topics) {
        topics.add(topic);
        topicEdges.push(
          node.kind === 'source' ? `  topic_${id(topic)} --> ${id(name)}` : `  ${id(name)} --> topic_${id(topic)}`,
        );
      }
    }
    lines.push('  end');
  }
  for (const topic of topics) lines.push(`  topic_${id(topic)}(["${label(topic)}"])`);
  lines.push(...topicEdges);
  return lines.join('\n');
}

export function describeJson(topology: Topology): string {
  return JSON.stringify(
    {
      name: topology.name,
      subtopologies: topology.subtopologies,
      nodes: [...topology.nodes.values()].map(
        ({ supplier: _supplier, timestampExtractor: _extractor, ...node }) => node,
      ),
      stores: [...topology.stores.values()],
      internalTopics: topology.internalTopics,
      sourceTopics: topology.sourceTopics,
      sinkTopics: topology.sinkTopics,
      coPartitionGroups: topology.coPartitionGroups,
    },
    null,
    2,
  );
}

export function describeTopology(topology: Topology, format: DescribeFormat = 'text'): string {
  if (format === 'mermaid') return describeMermaid(topology);
  if (format === 'json') return describeJson(topology);
  return describeText(topology);
}
