import contentViews from '../../topologies/content-views';
import { loadTopology, topologyNames } from '../topology-loader';

describe('reelstream describe', () => {
  it('finds every topology in topologies/', () => {
    expect(topologyNames()).toContain('content-views');
  });

  it('loads a topology by name, and its Mermaid graph has a node for every DSL node', () => {
    const topology = loadTopology('content-views');
    const mermaid = topology.describe('mermaid');
    for (const name of contentViews.nodes.keys()) expect(mermaid).toContain(`["${name}<br/>`);
    expect(mermaid).toContain('["starts-only<br/>filter"]');
    expect(mermaid).toContain('["add-title<br/>global-table-left-join"]');
  });

  it('names the known topologies when asked for an unknown one', () => {
    expect(() => loadTopology('no-such-topology')).toThrow(/known topologies are .*content-views/);
  });
});
