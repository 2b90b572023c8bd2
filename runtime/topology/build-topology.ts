import { changelogTopic, repartitionTopic } from '../naming';
import type { LogicalNode } from './logical-node';
import { repartitionLanes } from './repartition-lanes';
import type { TopologyBuilder } from './topology-builder';
import { TopologyError } from './topology-error';
import type { PhysicalNode, PhysicalStore, Subtopology, Topology } from './topology';

type MutableNode = { -readonly [P in keyof PhysicalNode]: PhysicalNode[P] } & { parents: string[]; children: string[] };

/** Stage 1: every problem of the logical graph, each naming its node. */
function validate(builder: TopologyBuilder): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  for (const node of builder.nodes) names.set(node.name, (names.get(node.name) ?? 0) + 1);
  for (const [name, count] of names)
    if (count > 1) problems.push(`node name "${name}" is used by ${count} nodes; names must be unique`);

  const storeNames = new Map<string, number>();
  for (const store of builder.stores) storeNames.set(store.name, (storeNames.get(store.name) ?? 0) + 1);
  for (const [name, count] of storeNames)
    if (count > 1) problems.push(`store name "${name}" is declared ${count} times`);

  const readers = new Map<string, string>();
  for (const node of builder.nodes) {
    for (const parent of node.parents) {
      if (!names.has(parent)) problems.push(`node "${node.name}" has a predecessor "${parent}" that does not exist`);
    }
    if (node.kind === 'source') {
      if (node.topics.length === 0) problems.push(`source "${node.name}" reads no topic`);
      for (const topic of node.topics) {
        const other = readers.get(topic);
        if (other)
          problems.push(
            `topic "${topic}" is read by both "${other}" and "${node.name}"; read it once and share the stream`,
          );
        readers.set(topic, node.name);
      }
    }
    if (node.kind !== 'source' && node.parents.length === 0) problems.push(`node "${node.name}" has no predecessor`);
    if (node.kind === 'processor') {
      for (const store of node.stores) {
        if (!storeNames.has(store))
          problems.push(`processor "${node.name}" uses store "${store}", which no node declares`);
      }
    }
  }
  return problems;
}

/** Whether a node's records may carry a key other than the one their source topic was partitioned by. */
function keyChangedUpstream(builder: TopologyBuilder): Map<string, string | undefined> {
  const byName = new Map(builder.nodes.map((node) => [node.name, node]));
  const memo = new Map<string, string | undefined>();
  const visit = (name: string, seen: Set<string>): string | undefined => {
    if (memo.has(name)) return memo.get(name);
    const node = byName.get(name);
    if (!node || seen.has(name)) return undefined;
    seen.add(name);
    let changedBy: string | undefined;
    if (node.kind === 'repartition' || node.kind === 'source') changedBy = undefined;
    else if (node.kind === 'processor' && node.changesKey) changedBy = node.name;
    else for (const parent of node.parents) changedBy ??= visit(parent, seen);
    memo.set(name, changedBy);
    return changedBy;
  };
  for (const node of builder.nodes) visit(node.name, new Set());
  return memo;
}

/**
 * Stage 2: lowers each repartition node into a topic sink and a source of `<app>-<name>-repartition`
 * (one topic per lane when lanes feed it: `lanes`, from repartition-lanes.ts).
 */
function lower(builder: TopologyBuilder, lanes: ReadonlyMap<string, Record<string, number>>): MutableNode[] {
  const nodes: MutableNode[] = [];
  const base = (node: LogicalNode): MutableNode => ({
    name: node.name,
    kind: 'processor',
    operator: node.operator,
    parents: [...node.parents],
    children: [],
    stores: [],
    topics: [],
    internalTopic: false,
    global: false,
  });
  for (const node of builder.nodes) {
    switch (node.kind) {
      case 'source':
        nodes.push({
          ...base(node),
          kind: 'source',
          topics: [...node.topics],
          timestampExtractor: node.timestampExtractor,
          global: node.global,
          ...(node.lanes ? { lanes: { ...node.lanes } } : {}),
          ...(node.valueSchema ? { valueSchema: node.valueSchema } : {}),
          ...(node.tombstones ? { tombstones: true } : {}),
          ...(node.lagSignal === false ? { lagSignal: false } : {}),
        });
        break;
      case 'processor':
        nodes.push({
          ...base(node),
          supplier: node.supplier,
          stores: [...node.stores],
          ...(node.sampling ? { sampling: node.sampling } : {}),
          ...(node.graceMs !== undefined ? { graceMs: node.graceMs } : {}),
        });
        break;
      case 'topic-sink':
        nodes.push({
          ...base(node),
          kind: 'topic-sink',
          topics: [node.topic],
          ...(node.valueSchema ? { valueSchema: node.valueSchema } : {}),
        });
        break;
      case 'adapter-sink':
        nodes.push({ ...base(node), kind: 'adapter-sink', sink: node.sink });
        break;
      case 'repartition': {
        const laneTopics = lanes.get(node.name);
        const topics = laneTopics ? Object.keys(laneTopics) : [repartitionTopic(builder.name, node.name)];
        // With lanes, the sink writes each record to its lane's topic and the source reads them as lanes.
        const laned = () => (laneTopics ? { lanes: { ...laneTopics } } : {});
        nodes.push({
          ...base(node),
          name: `${node.name}-sink`,
          kind: 'topic-sink',
          operator: 'repartition-sink',
          topics,
          internalTopic: true,
          ...laned(),
        });
        // The source keeps the logical node's name, so its children need no rewiring.
        nodes.push({
          ...base(node),
          kind: 'source',
          operator: 'repartition-source',
          parents: [`${node.name}-sink`],
          topics: [...topics],
          internalTopic: true,
          ...laned(),
        });
        break;
      }
    }
  }
  // A repartition source reads a topic, not its sink: the edge sink -> source is a topic, not a call.
  const byName = new Map(nodes.map((node) => [node.name, node]));
  for (const node of nodes) {
    if (node.kind === 'source') node.parents = [];
    for (const parent of node.parents) byName.get(parent)?.children.push(node.name);
  }
  return nodes;
}

/**
 * Stage 3: sub-topologies are the connected components over calls and shared stores. A global
 * table's store does not connect anything: every task reads it, and one global task fills it.
 */
function findSubtopologies(nodes: MutableNode[], globalStores: ReadonlySet<string>): Subtopology[] {
  const parentOf = new Map<string, string>();
  const find = (name: string): string => {
    let root = name;
    while (parentOf.get(root) !== root) root = parentOf.get(root) as string;
    parentOf.set(name, root);
    return root;
  };
  const union = (a: string, b: string) => parentOf.set(find(a), find(b));
  for (const node of nodes) parentOf.set(node.name, node.name);
  for (const node of nodes) for (const parent of node.parents) union(node.name, parent);
  const storeOwner = new Map<string, string>();
  for (const node of nodes) {
    for (const store of node.stores) {
      if (globalStores.has(store)) continue;
      const owner = storeOwner.get(store);
      if (owner) union(node.name, owner);
      else storeOwner.set(store, node.name);
    }
  }
  const groups = new Map<string, MutableNode[]>();
  for (const node of nodes) {
    const root = find(node.name);
    groups.set(root, [...(groups.get(root) ?? []), node]);
  }
  return [...groups.values()].map((members, id) => ({
    id,
    nodes: members.map((node) => node.name),
    sourceTopics: members.filter((node) => node.kind === 'source').flatMap((node) => node.topics),
    stores: [...new Set(members.flatMap((node) => node.stores))].filter(
      (store) => !globalStores.has(store) || members.some((node) => node.global),
    ),
    global: members.some((node) => node.global),
  }));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) if (typeof inner === 'object') deepFreeze(inner);
  }
  return value;
}

/**
 * The build: validate (all problems at once), check co-partitioning of joins, lower repartitions,
 * derive internal topic names, find sub-topologies, and freeze. Throws a TopologyError.
 */
export function buildTopology(builder: TopologyBuilder): Topology {
  const problems = validate(builder);
  const keyChanged = keyChangedUpstream(builder);
  const logicalByName = new Map(builder.nodes.map((node) => [node.name, node]));
  const lanes = repartitionLanes(builder);

  const sourcesOf = (name: string, seen = new Set<string>()): string[] => {
    const node = logicalByName.get(name);
    if (!node || seen.has(name)) return [];
    seen.add(name);
    if (node.kind === 'source') return [name];
    if (node.kind === 'repartition') return [name];
    return node.parents.flatMap((parent) => sourcesOf(parent, seen));
  };
  const coPartitionGroups: string[][] = [];
  for (const node of builder.nodes) {
    if (node.kind !== 'processor' || !node.coPartitionedWith) continue;
    if (node.requiresOriginalKey) {
      const changedBy = node.parents.map((parent) => keyChanged.get(parent)).find((name) => name !== undefined);
      if (changedBy) {
        problems.push(
          `join "${node.name}": the stream's key was changed by "${changedBy}", so it is not co-partitioned with the table; ` +
            'call .repartition() before the join, or join a global table',
        );
      }
    }
    const sources = [...new Set(node.coPartitionedWith.flatMap((name) => sourcesOf(name)))];
    const topics = sources.flatMap((name) => {
      const source = logicalByName.get(name);
      if (source?.kind === 'source') return [...source.topics];
      const laneTopics = lanes.get(name);
      return laneTopics ? Object.keys(laneTopics) : [repartitionTopic(builder.name, name)];
    });
    const declared = sources
      .map((name) => logicalByName.get(name))
      .filter((source) => source?.kind === 'source' || source?.kind === 'repartition')
      .map((source) => ({ name: source?.name, partitions: (source as { partitions?: number }).partitions }))
      .filter((entry) => entry.partitions !== undefined);
    if (new Set(declared.map((entry) => entry.partitions)).size > 1) {
      problems.push(
        `join "${node.name}": inputs are not co-partitioned (${declared.map((entry) => `${entry.name}: ${entry.partitions} partitions`).join(', ')})`,
      );
    }
    coPartitionGroups.push(topics);
  }
  if (problems.length > 0) throw new TopologyError(builder.name, problems);

  const nodes = lower(builder, lanes);
  const stores = new Map<string, PhysicalStore>(
    builder.stores.map((spec) => [
      spec.name,
      { ...spec, changelogTopic: spec.changelog && !spec.global ? changelogTopic(builder.name, spec.name) : undefined },
    ]),
  );
  const internalTopics = [
    ...nodes.filter((node) => node.kind === 'source' && node.internalTopic).flatMap((node) => node.topics),
    ...[...stores.values()].flatMap((store) => (store.changelogTopic ? [store.changelogTopic] : [])),
  ];
  const topology: Topology = {
    name: builder.name,
    nodes: new Map(nodes.map((node) => [node.name, node as PhysicalNode])),
    stores,
    subtopologies: findSubtopologies(
      nodes,
      new Set(builder.stores.filter((spec) => spec.global).map((spec) => spec.name)),
    ),
    coPartitionGroups,
    internalTopics,
    sourceTopics: nodes.filter((node) => node.kind === 'source' && !node.internalTopic).flatMap((node) => node.topics),
    sinkTopics: nodes
      .filter((node) => node.kind === 'topic-sink' && !node.internalTopic)
      .flatMap((node) => node.topics),
  };
  for (const node of nodes) deepFreeze(node);
  for (const store of stores.values()) deepFreeze(store);
  deepFreeze(topology.subtopologies);
  deepFreeze(topology.coPartitionGroups);
  return Object.freeze(topology);
}
