// Browser end-to-end tests: playwright-core driving Debian's chromium against a real Mosaic
// server (crates/mosaic-server/examples/e2e_server.rs: fresh SQLite data folder, demo
// accounts, the seed of e2e/seed.mjs, the embedded web app) on 127.0.0.1 with a free port.
//
//   npm run e2e            (from web/; builds the app and the server first)
//
// Screenshots of every step go to ci-artifacts/screenshots/ (MOSAIC_SCREENSHOTS overrides).
// The last line printed is "N passed, M failed"; the exit code is non-zero on any failure.

import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { reports, visibleTo, DRIVER_ID, RESTRICTED_MARKER, RESTRICTED_PERSON_ID, COASTGUARD_MARKER, C } from "./seed.mjs";

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = resolve(WEB, "..");
const SHOTS = process.env.MOSAIC_SCREENSHOTS ?? join(ROOT, "ci-artifacts/screenshots");
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const VIEWPORT = { width: 1366, height: 768 };

/** Builds and starts the e2e server with the given seed; resolves to { url, stop }. */
export async function startServer(seedLines, { build = !process.env.MOSAIC_E2E_NO_BUILD } = {}) {
  if (build) {
    execFileSync("cargo", ["build", "--quiet", "-p", "mosaic-server", "--example", "e2e_server"], { cwd: ROOT, stdio: "inherit" });
  }
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
  const bin = join(targetDir, "debug/examples/e2e_server");
  const dir = mkdtempSync(join(tmpdir(), "mosaic-e2e-"));
  const seed = join(dir, "seed.jsonl");
  writeFileSync(seed, seedLines.join("\n") + "\n");
  const child = spawn(bin, [join(dir, "data"), "0", seed], { stdio: ["pipe", "pipe", "inherit"] });
  const url = await new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (l) => {
      const m = /^LISTENING (\S+)/.exec(l);
      if (m) res(m[1]);
    });
    child.on("exit", (code) => rej(new Error(`e2e server exited with ${code}`)));
    setTimeout(() => rej(new Error("e2e server did not start in 300 s")), 300_000);
  });
  const stop = async () => {
    child.stdin.end();
    await new Promise((r) => {
      const t = setTimeout(() => {
        child.kill("SIGKILL");
        r();
      }, 5000);
      child.on("exit", () => {
        clearTimeout(t);
        r();
      });
    });
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, stop };
}

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

// ---- harness --------------------------------------------------------------------------------

let passed = 0;
let failed = 0;
let n = 0;
async function step(name, page, fn) {
  const t0 = Date.now();
  n++;
  const file = join(SHOTS, `${String(n).padStart(2, "0")}-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/-$/, "")}.png`);
  try {
    await fn();
    passed++;
    console.log(`ok ${n} - ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`not ok ${n} - ${name}\n  ${String(e?.stack ?? e).split("\n").slice(0, 6).join("\n  ")}`);
  } finally {
    try {
      await page.screenshot({ path: file });
    } catch {
      /* page gone */
    }
  }
}

function eventTime(r) {
  return Date.parse(r.observed_at ?? r.reported_at);
}

async function login(page, url, user, password) {
  await page.goto(`${url}/?poll=1000`);
  await page.fill("#login-username", user);
  await page.fill("#login-password", password);
  await page.click("form.login button[type=submit]");
  await page.waitForSelector("body[data-loaded=true]", { timeout: 30_000 });
  // the purpose sent with every request (entity profiles need one)
  await page.fill("#purpose", "task:e2e walkthrough");
}

async function logout(page) {
  await page.click("#sign-out");
  await page.waitForSelector("#login-username");
  await page.evaluate(() => delete document.body.dataset.loaded);
}

const shown = (page) => page.$eval("#event-count", (e) => Number(e.dataset.shown));

async function axeCheck(page, what) {
  const src = readFileSync(join(WEB, "node_modules/axe-core/axe.min.js"), "utf8");
  await page.evaluate(src);
  const res = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }),
  );
  const bad = res.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} nodes, e.g. ${v.nodes[0]?.target}`),
    [],
    `axe found serious violations on ${what}`,
  );
  return res.violations.length;
}

async function noHorizontalScroll(page) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= VIEWPORT.width, `page is ${w}px wide at ${VIEWPORT.width}px`);
}

async function apiLogin(url, user, password) {
  const r = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: user, password }),
  });
  assert.equal(r.status, 200);
  const cookie = r.headers.get("set-cookie").split(";")[0];
  const { csrf_token } = await r.json();
  return { cookie, csrf: csrf_token };
}

// ---- the tests ---------------------------------------------------------------------------------

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const { url, stop } = await startServer(reports.map((r) => JSON.stringify(r)));
  const browser = await launch();
  const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
  const page = await context.newPage();
  const cspErrors = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  page.on("pageerror", (e) => cspErrors.push(`page error: ${e.message}`));
  const located = reports.filter((r) => r.place?.geometry);
  const analystCount = located.filter((r) => visibleTo("analyst", r)).length;
  const officerCount = located.filter((r) => visibleTo("officer", r)).length;

  try {
    await step("Analyst signs in; agency and role shown", page, async () => {
      await login(page, url, "analyst", "mosaic-demo-analyst");
      assert.match(await page.textContent("#who-agency"), /fr-ocriest/);
      assert.match(await page.textContent("#who-role"), /analyst/i);
    });

    await step("Events on the map", page, async () => {
      assert.equal(await shown(page), analystCount);
      const clusters = await page.evaluate(() => window.__mosaic.map().clusters.length);
      assert.ok(clusters > 0, "no clusters drawn");
      assert.ok((await page.$$(".event-list li")).length > 0, "no events listed");
      assert.ok((await page.textContent("#section-list")).includes("critical"), "no border-section impact levels");
      await noHorizontalScroll(page);
    });

    await step("Accessibility of the situational picture (axe)", page, async () => {
      await axeCheck(page, "the situational picture");
    });

    await step("Filter by time (fields)", page, async () => {
      const lo = Date.parse("2025-03-01T00:00:00Z");
      const hi = Date.parse("2025-04-01T00:00:00Z");
      const expected = located.filter((r) => visibleTo("analyst", r) && eventTime(r) >= lo && eventTime(r) < hi).length;
      await page.fill("#filter-from", "2025-03-01");
      await page.fill("#filter-until", "2025-03-31");
      await page.waitForFunction((e) => Number(document.querySelector("#event-count").dataset.shown) === e, expected, { timeout: 5000 });
      assert.ok(expected > 0 && expected < analystCount);
    });

    await step("Filter by time (timeline brush)", page, async () => {
      await page.click("#filter-reset");
      await page.waitForFunction((e) => Number(document.querySelector("#event-count").dataset.shown) === e, analystCount);
      const box = await page.locator(".timeline-canvas").boundingBox();
      await page.mouse.move(box.x + box.width * 0.3, box.y + 20);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.45, box.y + 20, { steps: 5 });
      await page.mouse.up();
      const s = await shown(page);
      assert.ok(s > 0 && s < analystCount, `brush shows ${s}`);
      assert.notEqual(await page.inputValue("#filter-from"), "");
    });

    await step("Click an event on the map: its reports with provenance and markings", page, async () => {
      await page.click("#filter-reset");
      const canvas = await page.locator(".map-canvas").boundingBox();
      for (let i = 0; i < 8; i++) {
        const c = await page.evaluate(() => {
          const cl = window.__mosaic.map().clusters;
          return cl.slice().sort((a, b) => b.count - a.count)[0];
        });
        await page.mouse.click(canvas.x + c.x, canvas.y + c.y);
        await page.waitForTimeout(250);
        if ((await page.$$("#detail .report-card")).length) break;
      }
      const card = page.locator("#detail .report-card").first();
      await card.waitFor();
      const text = await card.textContent();
      assert.match(text, /Provider/);
      assert.match(text, /Grading/);
      assert.match(text, /TLP:/);
      assert.match(text, /H[0-3]/);
    });

    await step("Open an entity profile: values with sources", page, async () => {
      const btn = page.locator(`#detail [data-entity-id="${DRIVER_ID}"]`).first();
      if (await btn.count()) await btn.click();
      else await page.evaluate((id) => (location.hash = `#/entity/${encodeURIComponent(id)}`), DRIVER_ID);
      await page.waitForSelector(".profile table.statements");
      const text = await page.textContent(".profile");
      assert.match(text, /Mohammed Al-Hassan/);
      assert.match(text, /Police aux frontières/);
      assert.match(text, /reported 2025-/);
      assert.ok(!text.includes(RESTRICTED_MARKER), "the analyst sees a TLP:RED statement in the profile");
      await noHorizontalScroll(page);
      // which mentions were joined into this person, and why (over what the analyst may see)
      await page.click("#resolution-show");
      await page.waitForSelector("#resolution-status", { timeout: 20_000 });
      const res = await page.textContent("#resolution-result");
      assert.match(res, /records joined|No other record/);
      assert.equal(await page.locator(`.resolution-members tr[data-entity-id="${DRIVER_ID}"]`).count(), 1, "the profile's entity is not among its resolved records");
      assert.ok(!res.includes(RESTRICTED_MARKER), "resolution shows a TLP:RED mention to the analyst");
    });

    await step("Link chart: expand neighbour by neighbour, export PNG", page, async () => {
      await page.waitForFunction(() => document.querySelectorAll(".chart-nodes li").length >= 3, null, { timeout: 10_000 });
      const nodes = () => page.$eval(".chart-status", (e) => Number(/(\d+) nodes/.exec(e.textContent)?.[1] ?? 0));
      const before = await nodes();
      // Expand the leader (a neighbour of the driver): brings the reports he is in.
      const leader = page.locator(".chart-nodes li", { hasText: "Karim Haddad" }).locator("button.expand");
      await leader.click();
      await page.waitForFunction((b) => Number(/(\d+) nodes/.exec(document.querySelector(".chart-status").textContent)?.[1] ?? 0) > b, before, { timeout: 10_000 });
      assert.ok((await nodes()) > before);
      // Show the (hidden by default) BorderEvent nodes: the list grows.
      const listed = (await page.$$(".chart-nodes li")).length;
      await page.check("#chart-show-BorderEvent");
      assert.ok((await page.$$(".chart-nodes li")).length > listed, "the schema filter does not show BorderEvents");
      await page.uncheck("#chart-show-BorderEvent");
      const names = await page.textContent(".chart-nodes");
      assert.match(names, /Leyla Demir/, "expanding the leader did not bring the collector");
      assert.ok(!names.includes(RESTRICTED_MARKER), "the chart shows a TLP:RED entity to the analyst");
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#chart-export")]);
      const out = join(SHOTS, "link-chart-export.png");
      await download.saveAs(out);
      const png = readFileSync(out);
      assert.equal(png.subarray(1, 4).toString(), "PNG");
      assert.ok(statSync(out).size > 2000);
      await axeCheck(page, "the entity profile");
    });

    await step("Search a name with a different spelling, open the profile", page, async () => {
      await page.fill("#search-q", "Muhamad Alhasan");
      await page.click("#search-go");
      const hit = page.locator(`.search-hit[data-entity-id="${DRIVER_ID}"]`).first();
      await hit.waitFor({ timeout: 10_000 });
      // one item per entity, however many reports mention it
      assert.equal(await page.locator(`.search-hit[data-entity-id="${DRIVER_ID}"]`).count(), 1, "the entity is listed more than once");
      assert.match(await page.textContent("#search-status"), /result/);
      assert.ok((await hit.locator("mark").count()) > 0, "no highlighted words in the hit");
      const all = await page.textContent("#search-results");
      assert.ok(!all.includes(RESTRICTED_MARKER), "search shows a TLP:RED item to the analyst");
      await axeCheck(page, "the search results");
      await noHorizontalScroll(page);
      await hit.locator("a.hit-title").click();
      await page.waitForSelector(".profile table.statements");
      assert.match(await page.textContent(".profile"), /Mohammed Al-Hassan/);
      // an identifier written nationally finds the same person's phone
      await page.fill("#search-q", "06 12 34 56 78");
      await page.click("#search-go");
      await page.locator(".search-hit", { hasText: "+33612345678" }).first().waitFor({ timeout: 10_000 });
    });

    await step("Filter by area (named, drawn) and by route", page, async () => {
      await page.evaluate(() => (location.hash = "#/map"));
      await page.waitForSelector("#filter-area");
      const inBox = (r, [w, so, e, n]) => {
        const g = r.place.geometry;
        const [lon, lat] = g.type === "Point" ? g.coordinates : g.coordinates[0];
        return lon >= w && lon <= e && lat >= so && lat <= n;
      };
      const med = located.filter((r) => visibleTo("analyst", r) && inBox(r, [9.5, 32.0, 18.5, 38.8])).length;
      assert.ok(med > 0 && med < analystCount);
      await page.selectOption("#filter-area", "central-med");
      await page.waitForFunction((e) => Number(document.querySelector("#event-count").dataset.shown) === e, med, { timeout: 5000 });
      await page.click("#filter-area-clear");
      await page.waitForFunction((e) => Number(document.querySelector("#event-count").dataset.shown) === e, analystCount, { timeout: 5000 });
      // draw a rectangle around the middle of the map
      await page.click("#filter-area-draw");
      const box = await page.locator(".map-canvas").boundingBox();
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.7, { steps: 6 });
      await page.mouse.up();
      assert.equal(await page.inputValue("#filter-area"), "drawn");
      const drawn = await shown(page);
      assert.ok(drawn < analystCount, `a drawn area shows ${drawn} of ${analystCount}`);
      await page.click("#filter-area-clear");
      // the route: only events along the Brussels–Calais corridor
      const route = await page.$eval("#filter-route", (s) => [...s.options].find((o) => o.textContent.includes("corridor"))?.value);
      assert.ok(route, "the route is not offered");
      await page.selectOption("#filter-route", route);
      await page.waitForFunction((e) => Number(document.querySelector("#event-count").dataset.shown) < e, analystCount, { timeout: 5000 });
      const places = await page.evaluate(() => {
        const s = window.__mosaic.store();
        return [...new Set([...window.__mosaic.map().filtered].map((i) => s.reports.get(s.reportIds[i])?.report.place?.name))];
      });
      assert.ok(places.length > 0, "no event along the route");
      for (const p of places) assert.ok(!["Lampedusa", "Lesbos"].includes(p), `${p} is not on the Brussels–Calais route`);
      await page.selectOption("#filter-route", "");
      await page.waitForFunction((e) => Number(document.querySelector("#event-count").dataset.shown) === e, analystCount, { timeout: 5000 });
      await axeCheck(page, "the situational picture with area and route filters");
    });

    await step("Analyst (other agency) never sees the TLP:RED item", page, async () => {
      await page.fill("#search-q", RESTRICTED_MARKER);
      await page.click("#search-go");
      // the status of this search's screen, not the previous search's (same element id)
      await page.waitForFunction(
        (m) => document.querySelector("#search-page-q")?.value === m && document.querySelector("#search-status")?.dataset.total !== undefined,
        RESTRICTED_MARKER,
        { timeout: 10_000 },
      );
      assert.equal(await page.$eval("#search-status", (e) => e.dataset.total), "0");
      assert.match(await page.textContent("#search-status"), /No results/);
      await page.evaluate((id) => (location.hash = `#/entity/${encodeURIComponent(id)}`), RESTRICTED_PERSON_ID);
      await page.waitForSelector(".profile h2");
      assert.match(await page.textContent(".profile"), /Not found/);
      await page.evaluate(() => (location.hash = "#/map"));
      await page.fill("#filter-from", "2025-04-09");
      await page.fill("#filter-until", "2025-04-10");
      await page.waitForTimeout(300);
      const body = await page.evaluate(() => document.body.innerText);
      assert.ok(!body.includes(RESTRICTED_MARKER) && !body.includes("Gravelines"), "restricted item visible on the map screen");
      const leaked = await page.evaluate(() => [...window.__mosaic.store().reports.values()].filter((r) => r.report.tlp === "RED").length);
      assert.equal(leaked, 0, "a TLP:RED report reached the analyst's browser");
      await page.click("#filter-reset");
    });

    await step("Officer of fr-paf signs in: own agency only, no coast-guard material", page, async () => {
      await logout(page);
      await login(page, url, "officer", "mosaic-demo-officer");
      assert.match(await page.textContent("#who-agency"), /fr-paf/);
      assert.match(await page.textContent("#who-role"), /officer/i);
      assert.equal(await shown(page), officerCount);
      const body = await page.evaluate(() => document.body.innerText);
      assert.ok(!body.includes(COASTGUARD_MARKER));
      await page.evaluate((id) => (location.hash = `#/entity/${encodeURIComponent(id)}`), `${C}:ent:vs-${reports.findIndex((r) => r.agency === "fr-gcm" && r.entities.some((e) => e.schema === "Vessel"))}`);
      await page.waitForSelector(".profile h2");
      assert.match(await page.textContent(".profile"), /Not found/);
      await page.evaluate(() => (location.hash = "#/map"));
    });

    await step("Officer sees the TLP:RED and H2 markings prominently", page, async () => {
      await page.fill("#filter-from", "2025-04-09");
      await page.fill("#filter-until", "2025-04-10");
      await page.locator(".event-list button", { hasText: "Gravelines" }).first().click();
      const banner = page.locator("#detail .restriction-banner").first();
      await banner.waitFor();
      const t = await banner.textContent();
      assert.match(t, /TLP:RED/);
      assert.match(t, /H2/);
      assert.ok(await page.locator("#detail .tlp-red").first().isVisible());
      assert.ok(await page.locator("#detail .handling-h2").first().isVisible());
      await page.click("#filter-reset");
    });

    await step("Report form: server validation errors next to the fields", page, async () => {
      await page.click("#nav-report");
      await page.waitForSelector("form.report-form");
      await page.fill("#f-grading", "Z9");
      await page.fill("#f-lat", "95");
      await page.fill("#f-lon", "1.6");
      await page.click("form.report-form button[type=submit]");
      await page.waitForSelector("#f-grading-error:not([hidden])");
      assert.match(await page.textContent("#f-grading-error"), /grading/);
      assert.equal(await page.getAttribute("#f-grading", "aria-invalid"), "true");
      await page.waitForSelector("#f-lat-error:not([hidden])");
      assert.match(await page.textContent("#f-lat-error"), /geometry|range|latitude/i);
      await axeCheck(page, "the report form");
      await noHorizontalScroll(page);
    });

    // A second browser: the analyst, watching the map while the officer submits.
    const context2 = await browser.newContext({ viewport: VIEWPORT });
    const page2 = await context2.newPage();
    await step("Second browser: analyst on the map, live updates by server-sent events", page2, async () => {
      await login(page2, url, "analyst", "mosaic-demo-analyst");
      await page2.waitForFunction(() => window.__mosaic.live() === "sse", null, { timeout: 10_000 });
      await page2.evaluate(() => (window.__noReload = true));
    });

    await step("Submit a report; it appears on the map without reloading", page, async () => {
      await page.evaluate(() => (window.__noReload = true));
      assert.equal(await page.evaluate(() => window.__mosaic.live()), "sse");
      const before = officerCount;
      const before2 = await shown(page2);
      await page.fill("#f-grading", "B2");
      await page.fill("#f-lat", "50.80");
      await page.fill("#f-lon", "1.60");
      await page.fill("#f-place_name", "Wimereux (form)");
      await page.fill("#f-source_ref", "E2E-FORM-1");
      await page.fill("#f-person_name", "Test Person");
      await page.selectOption("#f-person_role", "driver");
      await page.fill("#f-narrative", "Submitted through the form by the e2e test.");
      await page.click("form.report-form button[type=submit]");
      await page.waitForSelector(".form-result:has-text('Report stored')");
      await page.click("#nav-map");
      await page.waitForFunction((b) => Number(document.querySelector("#event-count").dataset.shown) === b + 1, before, { timeout: 10_000 });
      assert.ok(await page.evaluate(() => window.__noReload === true), "the page reloaded");
      await page.locator(".event-list button", { hasText: "Wimereux (form)" }).first().waitFor();
      // …and in the analyst's browser, without reloading either
      await page2.waitForFunction((b) => Number(document.querySelector("#event-count").dataset.shown) === b + 1, before2, { timeout: 10_000 });
      await page2.locator(".event-list button", { hasText: "Wimereux (form)" }).first().waitFor();
      assert.ok(await page2.evaluate(() => window.__noReload === true), "the analyst's page reloaded");
    });

    await step("Live update: a report from another client appears without reloading", page, async () => {
      const { cookie, csrf } = await apiLogin(url, "officer", "mosaic-demo-officer");
      const before = await shown(page);
      // first a TLP:RED report the analyst must not be told about
      const red = await fetch(`${url}/api/v1/reports`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, "x-csrf-token": csrf },
        body: JSON.stringify({
          agency: "fr-paf", report_type: "intelligence", source_ref: "E2E-LIVE-RED",
          reported_at: new Date().toISOString(), grading: "B2", handling: "H2", tlp: "RED", classification: "restricted",
          narrative: `Live ${RESTRICTED_MARKER} sighting.`,
          place: { name: "Hardelot (red)", country: "fr", geometry: { type: "Point", coordinates: [1.59, 50.63] } },
        }),
      });
      assert.equal(red.status, 201);
      const r = await fetch(`${url}/api/v1/reports`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, "x-csrf-token": csrf },
        body: JSON.stringify({
          agency: "fr-paf", report_type: "interception", source_ref: "E2E-LIVE-1",
          reported_at: new Date().toISOString(), grading: "B2", handling: "H0", tlp: "GREEN", classification: "restricted",
          place: { name: "Sangatte (live)", country: "fr", geometry: { type: "Point", coordinates: [1.74, 50.94] } },
        }),
      });
      assert.equal(r.status, 201);
      // the officer's agency provided both, so both reach the officer's map (in one event
      // or two, depending on timing)
      await page.waitForFunction((b) => Number(document.querySelector("#event-count").dataset.shown) === b + 2, before, { timeout: 10_000 });
      assert.match(await page.textContent("#live"), /\d+ new reports?/);
      await page.locator(".event-list button", { hasText: "Sangatte (live)" }).first().waitFor();
      await page.locator(".event-list button", { hasText: "Hardelot (red)" }).first().waitFor();
      assert.ok(await page.evaluate(() => window.__noReload === true), "the page reloaded");
      // the analyst got the green one and was never told about the red one
      await page2.locator(".event-list button", { hasText: "Sangatte (live)" }).first().waitFor({ timeout: 10_000 });
      const leaked = await page2.evaluate(() => [...window.__mosaic.store().reports.values()].filter((r) => r.report.tlp === "RED").length);
      assert.equal(leaked, 0, "a TLP:RED report reached the analyst's browser");
      assert.ok(!(await page2.evaluate(() => document.body.innerText)).includes("Hardelot"));
    });

    await step("Import a file: progress bar, then the rejects report", page, async () => {
      await page.click("#nav-import");
      await page.waitForSelector("#import-file");
      await axeCheck(page, "the import screen");
      const before = await shown(page);
      const line = (n, extra = {}) =>
        JSON.stringify({
          agency: "fr-paf", report_type: "interception", source_ref: `E2E-IMPORT-${n}`,
          reported_at: "2025-06-01T10:00:00Z", grading: "B2", handling: "H0", tlp: "GREEN", classification: "restricted",
          place: { name: `Audresselles (import ${n})`, country: "fr", geometry: { type: "Point", coordinates: [1.59, 50.82] } },
          ...extra,
        });
      const body = [line(1), line(2, { grading: "Z9" }), line(3)].join("\n") + "\n";
      await page.setInputFiles("#import-file", { name: "e2e-import.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(body) });
      await page.click("form.import-form button[type=submit]");
      await page.waitForSelector("#import-summary", { timeout: 20_000 });
      assert.equal(await page.$eval("#import-progress", (e) => e.value), 100);
      assert.equal((await page.textContent("#import-inserted")).trim(), "2");
      assert.equal((await page.textContent("#import-rejected")).trim(), "1");
      const row = page.locator("#import-rejects tbody tr").first();
      assert.equal(await row.getAttribute("data-line"), "2");
      const text = await row.textContent();
      assert.match(text, /grading/);
      await axeCheck(page, "the import result");
      // the imported reports reach the map by live update
      await page.click("#nav-map");
      await page.waitForFunction((b) => Number(document.querySelector("#event-count").dataset.shown) === b + 2, before, { timeout: 10_000 });
    });

    await step("Import a CSV file with its mapping: rejects named by line and rule", page, async () => {
      await page.click("#nav-import");
      await page.waitForSelector("#import-file");
      const csv = readFileSync(join(ROOT, "docs/examples/paf-interceptions.csv"));
      const mapping = readFileSync(join(ROOT, "docs/examples/paf-interceptions.mapping.toml"));
      await page.setInputFiles("#import-file", { name: "paf-interceptions.csv", mimeType: "text/csv", buffer: csv });
      // the mapping field appears for a CSV file
      await page.waitForSelector("#import-mapping", { state: "visible" });
      await page.setInputFiles("#import-mapping", { name: "paf-interceptions.mapping.toml", mimeType: "application/toml", buffer: mapping });
      await page.click("form.import-form button[type=submit]");
      await page.waitForSelector("#import-summary", { timeout: 20_000 });
      assert.equal((await page.textContent("#import-inserted")).trim(), "2");
      assert.equal((await page.textContent("#import-rejected")).trim(), "2");
      const rows = await page.$$eval("#import-rejects tbody tr", (trs) => trs.map((t) => t.textContent));
      assert.equal(rows.length, 2);
      assert.match(rows.join("\n"), /date/);
      assert.match(rows.join("\n"), /grading/);
      await axeCheck(page, "the CSV import result");
    });

    await step("No Content-Security-Policy violations or page errors", page, async () => {
      assert.deepEqual(cspErrors, []);
    });
    await context2.close();
  } finally {
    await browser.close();
    await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await main();
  } catch (e) {
    failed++;
    console.log(`not ok - setup: ${e?.stack ?? e}`);
  }
  console.log(`screenshots: ${SHOTS}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
