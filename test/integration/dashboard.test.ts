import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import Redis from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { readSnapshot } from '../../cli/dashboard/snapshot';
import { ensureTool } from '../../infra/local/tools';
import { RedisKeys } from '../../sinks/redis/keys';
import { freePort } from '../helpers/free-port';
import { childCoverageEnv } from '../helpers/child-coverage';
import { PlaybackRuns } from '../helpers/playback-run';
import { testConfig } from '../helpers/stack';
import { TcpProxy } from '../helpers/tcp-proxy';

/**
 * `reelstream dashboard` end to end: the playback job fills Redis from a live audience with a live
 * event; the dashboard (the CLI, as users start it) reads Redis through a TCP proxy the test can cut;
 * headless Chromium (Debian's, installed by `reelstream tools install`, driven by playwright-core)
 * opens the page. The page's figures must equal what Redis holds; a Redis blip shows as staleness
 * and clears by itself. The screenshot is saved in .reelstream/artifacts/dashboard.png.
 */
const config = testConfig();
const runs = new PlaybackRuns(config);
const cli = resolve(__dirname, '..', '..', 'bin', 'reelstream.js');
const artifacts = resolve(__dirname, '..', '..', '.reelstream', 'artifacts');
let browser: Browser | undefined;
let dashboard: ChildProcess | undefined;
let proxy: TcpProxy | undefined;

afterAll(async () => {
  await browser?.close();
  dashboard?.kill('SIGTERM');
  await proxy?.stop();
  await runs.cleanup();
});

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

describe('reelstream dashboard in a real browser', () => {
  it('shows what Redis holds — viewers now and over the hour, top titles, KPIs, live events — and rides out a Redis blip', async () => {
    const run = await runs.prepare('dashboard', 120, { live: true });
    const processor = runs.start(run, join(tmpdir(), `${run.run}.log`));
    await processor.waitForLog('started', 120_000, 1);
    await runs.produceLive(run, {
      sessions: 3_000,
      durationSec: 40,
      liveEvent: { id: `${run.run}-match`, startSec: 5, endSec: 40, share: 0.3, rampSec: 5 },
    });
    await runs.waitUntilCaughtUp(run);

    const redisUrl = new URL(config.redis.url);
    proxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    const proxyPort = await proxy.start();
    const port = await freePort();
    dashboard = spawn(process.execPath, [cli, 'dashboard', '--port', String(port)], {
      env: {
        ...process.env,
        ...childCoverageEnv(),
        REDIS_URL: `redis://127.0.0.1:${proxyPort}`,
        REDIS_KEY_PREFIX: run.run,
      },
      stdio: 'ignore',
    });
    browser = await chromium.launch({ executablePath: await ensureTool('chromium'), args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'domcontentloaded', timeout: 60_000 }).catch(async () => {
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // the server was still starting
      await page.goto(`http://127.0.0.1:${port}/`);
    });
    await page.waitForSelector('#top-titles tbody tr', { timeout: 30_000 });
    await page.waitForTimeout(1_500); // one more update: the page and the test read the same, settled minute

    // The figures on the page equal Redis, read the same way.
    const redis = new Redis(config.redis.url);
    const snapshot = await readSnapshot(redis, new RedisKeys(run.run));
    redis.disconnect();
    expect(snapshot.concurrentViewers).toBeGreaterThan(0);
    expect(snapshot.live.map(({ liveEventId }) => liveEventId)).toContain(`${run.run}-match`);
    expect(await text(page, '#concurrent-viewers')).toBe(snapshot.concurrentViewers.toLocaleString('en-US'));
    expect(await text(page, '#buffering-ratio')).toBe(`${(100 * snapshot.bufferingRatio).toFixed(2)} %`);
    expect(await text(page, '#rebuffer-rate')).toBe(`${(100 * snapshot.rebufferRate).toFixed(2)} %`);
    expect(await text(page, '#startup-p95')).toBe(
      snapshot.worstStartupTimeP95Ms === null ? '–' : `${snapshot.worstStartupTimeP95Ms} ms`,
    );
    const rows = await page.$$eval('#top-titles tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(rows.map((row) => [row[0], row[1], row[2]])).toEqual(
      snapshot.top.map((title) => [
        title.title ?? '(untitled)',
        title.contentId,
        title.concurrentViewers.toLocaleString('en-US'),
      ]),
    );
    expect(rows.some((row) => row[0] !== '(untitled)')).toBe(true); // titled from the catalog
    const live = await page.$$eval('#live-events tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(live).toEqual(
      snapshot.live.map((event) => [event.liveEventId, event.concurrentViewers.toLocaleString('en-US')]),
    );
    // The hour's chart: one point per minute, the last minutes with viewers drawn above the baseline.
    const points = ((await page.getAttribute('#history-line', 'points')) ?? '').split(' ');
    expect(points).toHaveLength(60);
    expect(await page.isVisible('#stale')).toBe(false);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });

    // Redis blips: the page says its figures are stale and keeps them; once back, fresh again.
    proxy.cut();
    await page.waitForSelector('#stale', { state: 'visible', timeout: 20_000 });
    expect(await text(page, '#stale-reason')).toMatch(/Redis does not answer|no update/);
    expect(await text(page, '#concurrent-viewers')).toBe(snapshot.concurrentViewers.toLocaleString('en-US'));
    expect(proxy.refusedWhileCut).toBeGreaterThan(0); // the dashboard really tried and failed
    proxy.restore();
    await page.waitForSelector('#stale', { state: 'hidden', timeout: 30_000 });

    // Read-only: no write path at all.
    const post = await fetch(`http://127.0.0.1:${port}/events`, { method: 'POST' });
    expect(post.status).toBe(405);
    await processor.stop('SIGTERM');
  }, 600_000);
});
