/**
 * The dashboard page: one HTML document with its script inline, no external assets. It listens to
 * /events (server-sent events; the browser reconnects by itself) and renders each snapshot; a
 * snapshot marked stale, or none for 5 s, shows the staleness banner with the age of the figures.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>reelstream — live playback</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 20px; margin: 0 0 16px; }
  .cards { display: grid; grid-template-columns: repeat(5, 1fr); gap: 12px; margin-bottom: 16px; }
  .card { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 12px; }
  .card .label { color: #666; font-size: 12px; }
  .card .value { font-size: 24px; font-weight: 600; }
  #stale { display: none; background: #fff3cd; border: 1px solid #e0b000; padding: 8px 12px; border-radius: 6px; margin-bottom: 12px; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eee; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .row { display: grid; grid-template-columns: 2fr 1fr; gap: 16px; margin-top: 16px; }
  svg { background: #fff; border: 1px solid #ddd; border-radius: 8px; width: 100%; height: 160px; }
</style>
</head>
<body>
<h1>reelstream — live playback <small id="minute"></small></h1>
<div id="stale" role="status">Figures are stale: <span id="stale-reason"></span></div>
<div class="cards">
  <div class="card"><div class="label">Concurrent viewers</div><div class="value" id="concurrent-viewers">–</div></div>
  <div class="card"><div class="label">Buffering ratio</div><div class="value" id="buffering-ratio">–</div></div>
  <div class="card"><div class="label">Rebuffer rate</div><div class="value" id="rebuffer-rate">–</div></div>
  <div class="card"><div class="label">Startup p95 (worst of the top titles)</div><div class="value" id="startup-p95">–</div></div>
  <div class="card"><div class="label">Pipeline</div><div class="value" id="health">–</div></div>
</div>
<svg id="history" viewBox="0 0 600 160" preserveAspectRatio="none" aria-label="Concurrent viewers, last hour"><polyline id="history-line" fill="none" stroke="#3a6ff7" stroke-width="2" points=""/></svg>
<div class="row">
  <div><h2>Top titles by concurrent viewers</h2>
    <table id="top-titles"><thead><tr><th>Title</th><th>Content</th><th>Viewers</th><th>Buffering</th><th>Rebuffer</th><th>Startup p95</th></tr></thead><tbody></tbody></table></div>
  <div><h2>Live events</h2>
    <table id="live-events"><thead><tr><th>Live event</th><th>Viewers</th></tr></thead><tbody></tbody></table></div>
</div>
<script>
const percent = (x) => (100 * x).toFixed(2) + ' %';
const ms = (x) => (x === null ? '–' : x + ' ms');
const integer = (x) => x.toLocaleString('en-US');
let lastFresh = 0;
let lastSnapshot = null;
function cell(text, numeric) {
  const td = document.createElement('td');
  td.textContent = text;
  if (numeric) td.className = 'n';
  return td;
}
function render(message) {
  const snapshot = message.snapshot;
  if (snapshot) {
    lastSnapshot = snapshot;
    document.getElementById('minute').textContent = snapshot.minute === null ? 'no data in the last hour' : 'minute of ' + new Date(snapshot.minute).toISOString().slice(11, 16) + ' UTC';
    document.getElementById('concurrent-viewers').textContent = integer(snapshot.concurrentViewers);
    document.getElementById('buffering-ratio').textContent = percent(snapshot.bufferingRatio);
    document.getElementById('rebuffer-rate').textContent = percent(snapshot.rebufferRate);
    document.getElementById('startup-p95').textContent = ms(snapshot.worstStartupTimeP95Ms);
    const top = document.querySelector('#top-titles tbody');
    top.replaceChildren(...snapshot.top.map((t) => {
      const tr = document.createElement('tr');
      tr.dataset.contentId = t.contentId;
      tr.append(cell(t.title ?? '(untitled)'), cell(t.contentId), cell(integer(t.concurrentViewers), true), cell(percent(t.bufferingRatio), true), cell(percent(t.rebufferRate), true), cell(ms(t.startupTimeP95Ms), true));
      return tr;
    }));
    const live = document.querySelector('#live-events tbody');
    live.replaceChildren(...snapshot.live.map((l) => {
      const tr = document.createElement('tr');
      tr.dataset.liveEventId = l.liveEventId;
      tr.append(cell(l.liveEventId), cell(integer(l.concurrentViewers), true));
      return tr;
    }));
    const max = Math.max(1, ...snapshot.history.map((p) => p.concurrentViewers));
    document.getElementById('history-line').setAttribute('points', snapshot.history.map((p, i) => (i * 600 / 59).toFixed(1) + ',' + (155 - 150 * p.concurrentViewers / max).toFixed(1)).join(' '));
  }
  document.getElementById('health').textContent = message.pipeline;
  if (message.stale) showStale(message.stale);
  else { lastFresh = Date.now(); document.getElementById('stale').style.display = 'none'; }
}
function showStale(reason) {
  const age = lastSnapshot ? Math.round((Date.now() - lastSnapshot.readAt) / 1000) + ' s old' : 'none yet';
  document.getElementById('stale-reason').textContent = reason + ' (figures ' + age + ')';
  document.getElementById('stale').style.display = 'block';
}
const events = new EventSource('/events');
events.onmessage = (event) => render(JSON.parse(event.data));
setInterval(() => { if (Date.now() - lastFresh > 5000) showStale('no update from the dashboard server'); }, 1000);
</script>
</body>
</html>
`;
