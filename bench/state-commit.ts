/**
 * npm run bench:state — what one commit of one window costs, by the window's size: the changelog
 * record(s) a commit writes after 100 new heartbeats in a window of N sessions, for
 *   - a whole-value aggregate (the plain fold of processors/playback/playback-stats.ts, re-sent
 *     whole at every commit, as window state was before entry-logging), and
 *   - the entry-logged PlaybackWindowState (one delta holding only the changed entries).
 * Both through the same store decorators (runtime/state) and the runtime's internal encoding
 * (MessagePack). No server needed. SIZES=1000,10000 changes the window sizes.
 */
import { encodeInternal } from '../runtime/app/record-codec';
import { buildStore } from '../runtime/state/build-store';
import type { KeyValueStore } from '../processors/api/stores';
import { addEvent, emptyStats, type PlaybackStats } from '../processors/playback/playback-stats';
import { PlaybackWindowState } from '../processors/playback/playback-window-state';
import { playbackEvent } from '../schemas/testing/playback-event';

const SIZES = (process.env.SIZES ?? '1000,10000,100000,1000000').split(',').map(Number);
const CHANGED_PER_COMMIT = 100;
const COMMITS = 50;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

function commitCost<A>(
  sessions: number,
  entryLogged: boolean,
  create: () => A,
  add: (aggregate: A, sessionId: string, position: number) => A,
) {
  const built = buildStore({
    name: 'w',
    type: 'key-value',
    changelog: true,
    caching: true,
    global: false,
    entryLogged: entryLogged ? (create as () => PlaybackWindowState) : undefined,
  });
  const store = built.store as KeyValueStore<string, A>;
  const commit = () => {
    built.caching?.flush();
    let bytes = 0;
    let records = 0;
    for (const entry of built.changelogging?.drainChangelog() ?? []) {
      bytes += encodeInternal(entry.value)?.length ?? 0;
      records += 1;
    }
    return { bytes, records };
  };
  let aggregate = create();
  for (let i = 0; i < sessions; i += 1) aggregate = add(aggregate, `session-${i}`, 0);
  store.put('content-1', aggregate);
  commit();
  let bytes = 0;
  let records = 0;
  const started = process.hrtime.bigint();
  for (let round = 1; round <= COMMITS; round += 1) {
    for (let i = 0; i < CHANGED_PER_COMMIT; i += 1) {
      const session = (round * 7_919 + i * 104_729) % sessions;
      aggregate = add(store.get('content-1') as A, `session-${session}`, round * 10_000);
      store.put('content-1', aggregate);
    }
    const written = commit();
    bytes += written.bytes;
    records += written.records;
  }
  const microseconds = Number(process.hrtime.bigint() - started) / 1_000 / COMMITS;
  return { microseconds, bytes: bytes / COMMITS, records: records / COMMITS };
}

const heartbeat = (sessionId: string, positionMs: number) =>
  playbackEvent({ sessionId, viewerId: sessionId, positionMs });

console.log(`one window, ${CHANGED_PER_COMMIT} heartbeats per commit, mean of ${COMMITS} commits`);
for (const sessions of SIZES) {
  const whole = commitCost<PlaybackStats>(sessions, false, emptyStats, (stats, id, position) =>
    addEvent(stats, heartbeat(id, position)),
  );
  const entries = commitCost<PlaybackWindowState>(
    sessions,
    true,
    () => new PlaybackWindowState({ breakdowns: false }),
    (state, id, position) => state.add(heartbeat(id, position)),
  );
  console.log(
    `${fmt(sessions).padStart(9)} sessions: whole value ${fmt(whole.microseconds).padStart(9)} µs, ${fmt(whole.bytes).padStart(11)} bytes per commit` +
      ` | entry-logged ${fmt(entries.microseconds).padStart(5)} µs, ${fmt(entries.bytes).padStart(6)} bytes in ${fmt(entries.records)} record per commit`,
  );
}
console.log(`node ${process.version}`);
