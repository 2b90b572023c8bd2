/**
 * What `reelstream rebuild <materialization>` can rebuild: a view in a sink that a topology keeps from
 * a compacted topic, rebuilt by running that topology once more over the whole topic under an
 * application id of its own (the live one keeps running) until it reached the topic's end as it was
 * when the rebuild began. Sound because the topology's sink writes idempotently: the catalog's Redis
 * hashes are version-guarded, so writing a version again changes nothing and a lost hash comes back.
 *
 * A global table needs no command: every instance reads it in full from its topic at start (or from
 * its on-disk checkpoint, which `reelstream reset` wipes).
 */
export interface Materialization {
  description: string;
  /** The topology that keeps it (a name in topologies/). */
  topology: string;
  /** The environment variable naming the topology's application id (set to the rebuild's own). */
  applicationEnv: string;
  /** The environment variable naming its compacted source topic, and the topic by default. */
  topicEnv: string;
  defaultTopic: string;
}

export const MATERIALIZATIONS: Readonly<Record<string, Materialization>> = {
  catalog: {
    description: 'the catalog in Redis (one hash per content), kept by catalog-sync from catalog.content',
    topology: 'catalog-sync',
    applicationEnv: 'CATALOG_SYNC_APP',
    topicEnv: 'CATALOG_TOPIC',
    defaultTopic: 'catalog.content',
  },
};
