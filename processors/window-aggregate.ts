import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import type { StreamRecord, WindowResult, Windowed } from './api/record';
import type { WindowStore } from './api/stores';
import type { Aggregator, Initializer } from './aggregate';
import { keyId } from './internal/key-id';
import { MinHeap } from './internal/min-heap';
import type { EmitPolicy } from './window-emit';
import { isWindowClosed, windowStartsFor, type TimeWindowSpec } from './windows';

interface OpenWindow<K> {
  key: K;
  start: number;
}

/**
 * Event-time aggregation into tumbling or hopping windows with a grace period.
 * - A record updates every window containing its timestamp that is still open; when all of them
 *   have closed it is reported late (counted, routed to the late/DLQ output), never dropped silently.
 * - Windows close in end order (a min-heap, rebuilt from the store after a restore) once stream time
 *   passes end + grace; the final result is emitted if asked for, and the window leaves the store.
 */
export function windowAggregateProcessor<K, V, A>(
  storeName: string,
  windows: TimeWindowSpec,
  initializer: Initializer<A>,
  aggregator: Aggregator<K, V, A>,
  emit: EmitPolicy,
): ProcessorSupplier<K, V, Windowed<K>, WindowResult<A>> {
  return () => {
    let context: ProcessorContext<Windowed<K>, WindowResult<A>>;
    let store: WindowStore<K, A>;
    const closing = new MinHeap<OpenWindow<K>>();
    const dirty = new Map<string, OpenWindow<K>>();

    const forward = (window: OpenWindow<K>, aggregate: A, kind: 'update' | 'final') => {
      const end = window.start + windows.sizeMs;
      context.forward({
        key: { key: window.key, start: window.start, end },
        value: { aggregate, emit: kind },
        timestamp: Math.min(end - 1, Math.max(context.streamTime, window.start)),
      });
    };

    const emitUpdates = () => {
      for (const window of dirty.values()) {
        const aggregate = store.get(window.key, window.start);
        if (aggregate !== undefined) forward(window, aggregate, 'update');
      }
      dirty.clear();
    };

    const closeWindows = () => {
      const streamTime = context.streamTime;
      for (;;) {
        const end = closing.peekPriority();
        if (end === undefined || !isWindowClosed(end, windows.graceMs, streamTime)) return;
        const window = closing.pop() as OpenWindow<K>;
        const aggregate = store.get(window.key, window.start);
        if (aggregate === undefined) continue;
        const id = `${keyId(window.key)}@${window.start}`;
        // A pending rate-limited update is superseded by the final result (or flushed first when
        // finals are off, so dashboards still see the last value).
        if (dirty.delete(id) && !emit.final && emit.updatesEveryMs !== null) forward(window, aggregate, 'update');
        if (emit.final) forward(window, aggregate, 'final');
        store.delete(window.key, window.start);
      }
    };

    /** Adds the record to one window; 0 when that window has already closed. */
    const updateWindow = (record: StreamRecord<K, V>, id: string, start: number, streamTime: number): number => {
      if (isWindowClosed(start + windows.sizeMs, windows.graceMs, streamTime)) return 0;
      const previous = store.get(record.key, start);
      if (previous === undefined) closing.push(start + windows.sizeMs, { key: record.key, start });
      const aggregate = aggregator(record.key, record.value, previous === undefined ? initializer() : previous);
      store.put(record.key, start, aggregate);
      if (emit.updatesEveryMs === 0) forward({ key: record.key, start }, aggregate, 'update');
      else if (emit.updatesEveryMs !== null) dirty.set(`${id}@${start}`, { key: record.key, start });
      return 1;
    };

    return {
      init: (ctx) => {
        context = ctx;
        store = ctx.getStateStore<WindowStore<K, A>>(storeName);
        // After a restore the store holds open windows; the heap is derived state.
        for (const [key, start] of store.entries()) closing.push(start + windows.sizeMs, { key, start });
        if (emit.updatesEveryMs) ctx.schedule(emit.updatesEveryMs, 'wall-clock', emitUpdates);
        // Other keys' records advance stream time too: close windows even when this key is quiet.
        ctx.schedule(Math.max(1, Math.min(windows.advanceMs, 1_000)), 'stream-time', closeWindows);
      },
      // The commit carries the state with these updates: they must not stay behind in memory.
      flush: emitUpdates,
      resend: () => {
        // Only results that were sent as updates can have been lost downstream; finals go out on close.
        if (emit.updatesEveryMs === null) return;
        for (const [key, start] of store.entries()) {
          const aggregate = store.get(key, start);
          if (aggregate !== undefined) forward({ key, start }, aggregate, 'update');
        }
      },
      process: (record: StreamRecord<K, V>) => {
        if (record.key === null || record.key === undefined) {
          context.dropped(record, 'null key cannot be aggregated');
          return;
        }
        const streamTime = context.streamTime;
        const id = keyId(record.key);
        let updated = 0;
        if (windows.kind === 'tumbling') {
          // The common case, without the array hopping windows need.
          const time = record.timestamp;
          updated += updateWindow(
            record,
            id,
            time - (((time % windows.sizeMs) + windows.sizeMs) % windows.sizeMs),
            streamTime,
          );
        } else {
          for (const start of windowStartsFor(windows, record.timestamp))
            updated += updateWindow(record, id, start, streamTime);
        }
        if (updated === 0) {
          context.reportLate(
            record,
            `every window of event time ${record.timestamp} closed (stream time ${streamTime}, grace ${windows.graceMs} ms)`,
          );
        }
        closeWindows();
      },
    };
  };
}
