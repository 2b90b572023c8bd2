/**
 * Names derived from an application id (see docs/configuration.md). Every place that needs one of these topic
 * names calls this module, so a rename happens in one place.
 */
export const dlqTopic = (applicationId: string): string => `${applicationId}.dlq`;
export const changelogTopic = (applicationId: string, store: string): string => `${applicationId}-${store}-changelog`;
export const repartitionTopic = (applicationId: string, node: string): string => `${applicationId}-${node}-repartition`;
/** A lane of priority > 0 of a repartition fed by lanes (runtime/topology/repartition-lanes.ts); priority 0 is `repartitionTopic`. */
export const laneRepartitionTopic = (applicationId: string, node: string, priority: number): string =>
  `${applicationId}-${node}-lane${priority}-repartition`;
