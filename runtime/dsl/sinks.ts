import type { SinkDescriptor } from '../topology/sink-descriptor';

/**
 * Sink descriptors for topologies. They are plain data; sinks/ provides the adapters that the
 * runtime resolves them to (and the test driver records instead of writing).
 */
export function sinkDescriptor(type: string, name: string, options?: Record<string, unknown>): SinkDescriptor {
  return Object.freeze({ type, name, ...(options ? { options: Object.freeze({ ...options }) } : {}) });
}
