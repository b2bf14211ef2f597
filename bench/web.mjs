// Web app benchmark: 100,000 events in the situational picture, measured in Debian's
// headless chromium through playwright-core (see web/README.md).
//
//   cd web && npm run bench          (EVENTS=100000 RUNS=3 by default)
//
// - first render / interactive: the page is loaded with an existing session and
//   `?synthetic=N`, which generates N events in the page (deterministic) instead of
//   fetching them, so the numbers are the app's own cost: script parse, basemap
//   projection, N events projected, filtered, clustered and drawn. Marks are
//   performance.mark()s relative to navigation start.
// - panning / zooming: 240 frames driven by requestAnimationFrame, each moving the view
//   (pan, then zoom in and out around the Channel); we record the interval between
//   frames (what a user sees) and the map's own draw time per frame.
// - a real mouse drag (Playwright mouse events) for comparison.

import { startServer, launch } from "../web/e2e/run.mjs";

const N = Number(process.env.EVENTS ?? 100000);
const RUNS = Number(process.env.RUNS ?? 3);
const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f1 = (x) => x.toFixed(1);

const { url, stop } = await startServer([]);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(`${url}/`);
  await page.fill("#login-username", "analyst");
  await page.fill("#login-password", "mosaic-demo-analyst");
  await page.click("form.login button[type=submit]");
  await page.waitForSelector("#event-count");
  const loads = [];
  for (let r = 0; r < RUNS; r++) {
    await page.goto(`${url}/?synthetic=${N}`);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 120_000 });
    const m = await page.evaluate(() => {
      const g = (n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
      return { start: g("mosaic:start"), data: g("mosaic:first-data"), render: g("mosaic:first-render"), interactive: g("mosaic:interactive"), shown: Number(document.querySelector("#event-count").dataset.shown) };
    });
    if (m.shown !== N) throw new Error(`expected ${N} events shown, got ${m.shown}`);
    loads.push(m);
  }
  // Animated pan + zoom, driven in the page.
  await page.waitForTimeout(500);
  const anim = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const map = window.__mosaic.map();
        map.fit(-6, 43, 10, 55);
        map.frameTimes.length = 0;
        const intervals = [];
        let last = 0;
        let i = 0;
        const frame = (t) => {
          if (last) intervals.push(t - last);
          last = t;
          const w = map.canvas.clientWidth / 2;
          const h = map.canvas.clientHeight / 2;
          if (i < 120) map.panBy(i < 60 ? 6 : -6, i < 60 ? 3 : -3);
          else map.zoomAt(i < 180 ? 1.03 : 1 / 1.03, w, h);
          if (++i < 240) requestAnimationFrame(frame);
          else setTimeout(() => resolve({ intervals, draws: map.frameTimes.slice() }), 50);
        };
        requestAnimationFrame(frame);
      }),
  );
  // A real mouse drag.
  await page.evaluate(() => (window.__mosaic.map().frameTimes.length = 0));
  const box = await page.locator(".map-canvas").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  const t0 = Date.now();
  for (let i = 0; i < 60; i++) await page.mouse.move(box.x + box.width / 2 + i * 4, box.y + box.height / 2 + i * 2);
  await page.mouse.up();
  const dragMs = Date.now() - t0;
  const dragDraws = await page.evaluate(() => window.__mosaic.map().frameTimes.slice());
  const chromium = browser.version();

  const med = (k) => pct(loads.map((l) => l[k]), 50);
  console.log(`Chromium ${chromium} headless (--disable-gpu), 1366x768, ${N.toLocaleString("en")} events, ${RUNS} loads (median):`);
  console.log(`  script start            ${f1(med("start"))} ms after navigation`);
  console.log(`  events generated        ${f1(med("data"))} ms`);
  console.log(`  first render (map)      ${f1(med("render"))} ms`);
  console.log(`  interactive             ${f1(med("interactive"))} ms`);
  console.log(`Animated pan+zoom, ${anim.intervals.length} frames:`);
  console.log(`  frame interval          p50 ${f1(pct(anim.intervals, 50))} ms, p95 ${f1(pct(anim.intervals, 95))} ms, max ${f1(Math.max(...anim.intervals))} ms  (≈ ${f1(1000 / pct(anim.intervals, 50))} fps)`);
  console.log(`  map draw time           p50 ${f1(pct(anim.draws, 50))} ms, p95 ${f1(pct(anim.draws, 95))} ms, max ${f1(Math.max(...anim.draws))} ms`);
  console.log(`Mouse drag (60 moves in ${dragMs} ms): ${dragDraws.length} frames drawn, draw p50 ${f1(pct(dragDraws, 50))} ms, p95 ${f1(pct(dragDraws, 95))} ms`);
} finally {
  await browser.close();
  await stop();
}
