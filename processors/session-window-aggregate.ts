import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import type { StreamRecord, Windowed } from './api/record';
import type { KeyValueStore } from './api/stores';
import type { Aggregator, Initializer } from './aggregate';
import { keyId } from './internal/key-id';
import { MinHeap } from './internal/min-heap';
import type { EmitPolicy } from './window-emit';
import type { SessionWindowSpec } from './windows';

/** One activity session of a key: [start, end] are the first and last event times in it. */
export interface Session<A> {
  start: number;
  end: number;
  aggregate: A;
}

export type SessionMerger<K, A> = (key: K, left: A, right: A) => A;

/** What a session aggregation forwards; `retract` withdraws a session that merged into another. */
export interface SessionResult<A> {
  readonly aggregate: A;
  readonly emit: 'update' | 'final' | 'retract';
}

/**
 * Session windows: events of a key less than `gap` apart form one session; an event that bridges two
 * sessions merges them (the merged-away session is retracted). A session closes once stream time
 * passes its last event + gap + grace; an event that could only extend closed sessions is late.
 */
export function sessionWindowAggregateProcessor<K, V, A>(
  storeName: string,
  windows: SessionWindowSpec,
  initializer: Initializer<A>,
  aggregator: Aggregator<K, V, A>,
  merger: SessionMerger<K, A>,
  emit: EmitPolicy,
): ProcessorSupplier<K, V, Windowed<K>, SessionResult<A>> {
  return () => {
    let context: ProcessorContext<Windowed<K>, SessionResult<A>>;
    let store: KeyValueStore<K, Session<A>[]>;
    const closing = new MinHeap<{ key: K; start: number; end: number }>();
    const dirty = new Map<string, K>();
    const closesAt = (end: number) => end + windows.gapMs + windows.graceMs;

    const forward = (key: K, session: Session<A>, kind: SessionResult<A>['emit']) =>
      context.forward({
        key: { key, start: session.start, end: session.end },
        value: { aggregate: session.aggregate, emit: kind },
        timestamp: session.end,
      });

    const emitUpdates = () => {
      for (const key of dirty.values()) for (const session of store.get(key) ?? []) forward(key, session, 'update');
      dirty.clear();
    };

    const closeSessions = () => {
      for (;;) {
        const at = closing.peekPriority();
        if (at === undefined || at > context.streamTime) return;
        const candidate = closing.pop() as { key: K; start: number; end: number };
        const sessions = store.get(candidate.key) ?? [];
        const index = sessions.findIndex((s) => s.start === candidate.start && s.end === candidate.end);
        if (index < 0) continue; // merged or extended since it was queued
        const [closed] = sessions.splice(index, 1) as [Session<A>];
        if (emit.final) forward(candidate.key, closed, 'final');
        else if (dirty.delete(keyId(candidate.key)) && emit.updatesEveryMs !== null)
          forward(candidate.key, closed, 'update');
        if (sessions.length === 0) store.delete(candidate.key);
        else store.put(candidate.key, sessions);
      }
    };

    return {
      init: (ctx) => {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<K, Session<A>[]>>(storeName);
        for (const [key, sessions] of store.entries()) {
          for (const session of sessions)
            closing.push(closesAt(session.end), { key, start: session.start, end: session.end });
        }
        if (emit.updatesEveryMs) ctx.schedule(emit.updatesEveryMs, 'wall-clock', emitUpdates);
        ctx.schedule(Math.max(1, Math.min(windows.gapMs, 1_000)), 'stream-time', closeSessions);
      },
      // The commit carries the state with these updates: they must not stay behind in memory.
      flush: emitUpdates,
      resend: () => {
        if (emit.updatesEveryMs === null) return;
        for (const [key, sessions] of store.entries()) for (const session of sessions) forward(key, session, 'update');
      },
      process: (record: StreamRecord<K, V>) => {
        if (record.key === null || record.key === undefined) {
          context.dropped(record, 'null key cannot be aggregated');
          return;
        }
        const time = record.timestamp;
        if (closesAt(time) <= context.streamTime) {
          context.reportLate(record, `its session would have closed by stream time ${context.streamTime}`);
          closeSessions();
          return;
        }
        const sessions = store.get(record.key) ?? [];
        const overlapping = sessions.filter((s) => s.start - windows.gapMs <= time && time <= s.end + windows.gapMs);
        const kept = sessions.filter((s) => !overlapping.includes(s));
        let merged: Session<A> = { start: time, end: time, aggregate: initializer() };
        for (const session of overlapping) {
          merged = {
            start: Math.min(merged.start, session.start),
            end: Math.max(merged.end, session.end),
            aggregate: merger(record.key, merged.aggregate, session.aggregate),
          };
        }
        merged.aggregate = aggregator(record.key, record.value, merged.aggregate);
        kept.push(merged);
        kept.sort((a, b) => a.start - b.start);
        store.put(record.key, kept);
        closing.push(closesAt(merged.end), { key: record.key, start: merged.start, end: merged.end });

        // Sessions that were absorbed (or replaced by their extension) are withdrawn downstream.
        if (emit.updatesEveryMs !== null) {
          for (const old of overlapping) {
            if (old.start !== merged.start || old.end !== merged.end) forward(record.key, old, 'retract');
          }
          if (emit.updatesEveryMs === 0) forward(record.key, merged, 'update');
          else dirty.set(keyId(record.key), record.key);
        }
        closeSessions();
      },
    };
  };
}
