// Mosaic's browser app: sign-in, the situational picture, search, entity profiles with the
// link chart, the report form and file import. Hash routes: #/map, #/search?q=…,
// #/entity/<id>, #/reports/<id>, #/report/new, #/import.

import "./style.css";
import { api, ApiError, entityIdOf, setCsrf, type Agency, type Me, type ReportView } from "./api";
import { applyFilters, EVENT_COLOUR, EVENT_LABEL, EVENT_TYPES, EventStore, IMPACT_COLOUR, kmToWorld, unproject, worldBox, type Filters } from "./events";
import { MapView, marker } from "./map";
import { Timeline } from "./timeline";
import { h, reportCard, entityLabel } from "./ui";
import { clearCaches, entityOf, LinkChart, profileView } from "./entity";
import { reportForm } from "./form";
import { purposeField } from "./purpose";
import { searchView } from "./search";
import { importView } from "./importer";

performance.mark("mosaic:start");
const root = document.getElementById("app")!;
const params = new URLSearchParams(location.search);
const POLL_MS = Number(params.get("poll")) || 5000;
const SYNTHETIC = Number(params.get("synthetic")) || 0;

interface Session {
  me: Me;
  agencies: Map<string, Agency>;
}

let session: Session | null = null;
let store = new EventStore();
let map: MapView | null = null;
let timeline: Timeline | null = null;
let pollTimer = 0;
let routing = false;
const filters: Filters = { from: -Infinity, until: Infinity, types: new Set(EVENT_TYPES.map((_, i) => i)), agencies: null, area: null, route: null };
/** How live updates arrive: server-sent events, or polling when the stream is unavailable. */
let liveMode: "off" | "sse" | "poll" = "off";
let liveSource: EventSource | null = null;

/** Named areas for the area filter: [west, south, east, north]. */
const AREAS: Record<string, { label: string; box: [number, number, number, number] }> = {
  channel: { label: "Channel and North Sea coast", box: [-2.5, 49.3, 5.0, 52.2] },
  "central-med": { label: "Central Mediterranean", box: [9.5, 32.0, 18.5, 38.8] },
  aegean: { label: "Eastern Aegean", box: [23.0, 35.0, 29.5, 41.5] },
  "western-med": { label: "Western Mediterranean", box: [-7.5, 34.5, 1.5, 38.5] },
  balkans: { label: "Western Balkans", box: [13.0, 40.0, 23.0, 47.0] },
};
/** Width of the corridor around a route for the route filter. */
const ROUTE_KM = 30;

const agencyName = (id: string) => session?.agencies.get(id)?.name ?? id;

// ---- sign-in ------------------------------------------------------------------------------

function showLogin(message?: string): void {
  document.title = "Sign in — Mosaic";
  const err = h("p", { class: "login-error", role: "alert", id: "login-error" }, message ?? "");
  const totpRow = h("div", { class: "field", hidden: true }, h("label", { for: "login-totp" }, "One-time code"), h("input", { id: "login-totp", name: "totp", inputmode: "numeric", autocomplete: "one-time-code" }));
  const form = h(
    "form",
    {
      class: "login",
      "aria-labelledby": "login-title",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        err.textContent = "";
        const u = (document.getElementById("login-username") as HTMLInputElement).value;
        const p = (document.getElementById("login-password") as HTMLInputElement).value;
        const t = (document.getElementById("login-totp") as HTMLInputElement).value;
        try {
          const r = await api.login(u, p, t);
          setCsrf(r.csrf_token);
          await start();
        } catch (x) {
          if (x instanceof ApiError && x.problem.type.endsWith("totp-required")) {
            totpRow.hidden = false;
            err.textContent = "Enter the current code from your authenticator app.";
          } else {
            err.textContent = x instanceof ApiError ? (x.problem.detail ?? x.problem.title) : String(x);
          }
        }
      },
    },
    h("h1", { id: "login-title" }, "Mosaic"),
    h("p", { class: "sub" }, "Multi-agency centre against migrant smuggling — sign in"),
    h("div", { class: "field" }, h("label", { for: "login-username" }, "Username"), h("input", { id: "login-username", name: "username", autocomplete: "username", required: true })),
    h("div", { class: "field" }, h("label", { for: "login-password" }, "Password"), h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true })),
    totpRow,
    err,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  root.replaceChildren(h("main", { class: "login-page" }, form));
  (document.getElementById("login-username") as HTMLInputElement).focus();
}

async function start(): Promise<void> {
  const me = await api.me();
  setCsrf(me.csrf_token);
  const agencies = new Map<string, Agency>();
  try {
    for (const a of (await api.agencies()).items) agencies.set(a.id, a);
  } catch {
    /* the directory is optional */
  }
  session = { me, agencies };
  store = new EventStore();
  clearCaches();
  buildShell();
  if (!routing) window.addEventListener("hashchange", route);
  routing = true;
  route();
  if (SYNTHETIC) synthetic(SYNTHETIC);
  else void loadAll();
}

// ---- shell ----------------------------------------------------------------------------

let mapScreen: HTMLElement;
let otherScreen: HTMLElement;
let detail: HTMLElement;
let countEl: HTMLElement;
let liveEl: HTMLElement;
let inView: HTMLElement;
let sectionsEl: HTMLElement;
let agencyBox: HTMLElement;
let routeSel: HTMLSelectElement;

function may(action: string): boolean {
  return !!session?.me.actions.includes(action);
}

function buildShell(): void {
  const me = session!.me;
  const u = me.user;
  const roles = (u?.roles ?? []).map((r) => r.replace(/_/g, " ")).join(", ");
  document.title = "Situational picture — Mosaic";
  const header = h(
    "header",
    { class: "top" },
    h("a", { class: "skip", href: "#main" }, "Skip to content"),
    h("span", { class: "brand" }, "Mosaic"),
    h(
      "nav",
      { "aria-label": "Main" },
      h("a", { href: "#/map", id: "nav-map" }, "Situational picture"),
      may("submit_report") ? h("a", { href: "#/report/new", id: "nav-report" }, "New report") : null,
      may("import_reports") ? h("a", { href: "#/import", id: "nav-import" }, "Import") : null,
    ),
    purposeField(),
    may("list_reports")
      ? h(
          "form",
          {
            class: "quick-search",
            role: "search",
            "aria-label": "Search names, identifiers and reports",
            onsubmit: (e: Event) => {
              e.preventDefault();
              const q = (document.getElementById("search-q") as HTMLInputElement).value.trim();
              location.hash = `#/search?${new URLSearchParams({ q })}`;
            },
          },
          h("label", { for: "search-q", class: "visually-hidden" }, "Search"),
          h("input", { type: "search", id: "search-q", name: "q", placeholder: "Name, phone, plate, words…", autocomplete: "off" }),
          h("button", { type: "submit", id: "search-go" }, "Search"),
        )
      : null,
    h(
      "div",
      { class: "who", id: "who", "aria-label": "Signed in as" },
      h("span", { class: "user" }, u?.display_name ?? "API token"),
      h("span", { class: "agency", id: "who-agency" }, `${agencyName(me.agency)} (${me.agency})`),
      h("span", { class: "role", id: "who-role" }, roles || me.auth),
      u ? h("span", { class: "clearance" }, `cleared ${u.clearance}`) : null,
      h(
        "button",
        {
          type: "button",
          id: "sign-out",
          onclick: async () => {
            clearInterval(pollTimer);
            liveSource?.close();
            liveSource = null;
            liveMode = "off";
            try {
              await api.logout();
            } catch {
              /* already gone */
            }
            setCsrf(undefined);
            session = null;
            location.hash = "";
            showLogin("Signed out.");
          },
        },
        "Sign out",
      ),
    ),
  );

  // Filters and layers.
  const fromIn = h("input", { type: "date", id: "filter-from", name: "from" });
  const untilIn = h("input", { type: "date", id: "filter-until", name: "until" });
  const onTime = () => {
    filters.from = fromIn.value ? Date.parse(fromIn.value + "T00:00:00Z") : -Infinity;
    filters.until = untilIn.value ? Date.parse(untilIn.value + "T00:00:00Z") + 86400e3 : Infinity;
    if (timeline) timeline.brush = fromIn.value || untilIn.value ? [Math.max(filters.from, timeline.range[0]), Math.min(filters.until, timeline.range[1])] : null;
    refresh();
  };
  fromIn.addEventListener("change", onTime);
  untilIn.addEventListener("change", onTime);
  const typeBox = h("fieldset", { class: "types" }, h("legend", {}, "Events layer"));
  EVENT_TYPES.forEach((t, i) => {
    const sw = h("canvas", { width: "18", height: "18", class: "swatch", "aria-hidden": "true" });
    const c = sw.getContext("2d");
    if (c) marker(c, i, 9, 9, 6, EVENT_COLOUR[t]);
    typeBox.append(
      h(
        "label",
        { for: `type-${t}` },
        h("input", {
          type: "checkbox",
          id: `type-${t}`,
          checked: true,
          onchange: (e: Event) => {
            if ((e.target as HTMLInputElement).checked) filters.types.add(i);
            else filters.types.delete(i);
            refresh();
          },
        }),
        sw,
        ` ${EVENT_LABEL[t]}`,
      ),
    );
  });
  agencyBox = h("fieldset", { class: "agencies" }, h("legend", {}, "Agencies"));
  const areaSel = h(
    "select",
    { id: "filter-area", name: "area" },
    h("option", { value: "" }, "Anywhere"),
    ...Object.entries(AREAS).map(([k, a]) => h("option", { value: k }, a.label)),
    h("option", { value: "view" }, "The map's current view"),
    h("option", { value: "drawn", hidden: true }, "Drawn on the map"),
  );
  const setArea = (box: [number, number, number, number] | null) => {
    filters.area = box;
    if (map) map.area = box;
    refresh();
  };
  areaSel.addEventListener("change", () => {
    const v = areaSel.value;
    if (!v) setArea(null);
    else if (v === "view" && map) {
      const [w, s, e, n] = map.viewBounds();
      setArea(worldBox(w, s, e, n));
    } else if (AREAS[v]) {
      const b = AREAS[v].box;
      setArea(worldBox(b[0], b[1], b[2], b[3]));
      map?.fit(b[0], b[1], b[2], b[3]);
    }
  });
  const drawBtn = h(
    "button",
    {
      type: "button",
      id: "filter-area-draw",
      "aria-pressed": "false",
      onclick: () => {
        if (!map) return;
        map.drawing = !map.drawing;
        drawBtn.setAttribute("aria-pressed", String(map.drawing));
        map.canvas.style.cursor = map.drawing ? "crosshair" : "";
        areaHelp.textContent = map.drawing ? "Drag on the map to draw the area." : "";
      },
    },
    "Draw an area",
  );
  const areaHelp = h("p", { class: "help", id: "filter-area-help", "aria-live": "polite" });
  routeSel = h("select", { id: "filter-route", name: "route" }, h("option", { value: "" }, "Any route"));
  routeSel.addEventListener("change", () => {
    const r = store.routes.find((x) => x.reportId === routeSel.value);
    if (!r) {
      filters.route = null;
      if (map) map.selectedRoute = null;
    } else {
      const mid = unproject(r.points[0][0], r.points[0][1])[1];
      filters.route = { points: r.points, width: kmToWorld(ROUTE_KM, mid) };
      if (map) map.selectedRoute = r.points;
    }
    refresh();
  });
  const areaBox = h(
    "fieldset",
    { class: "area" },
    h("legend", {}, "Area and route"),
    h("div", { class: "field" }, h("label", { for: "filter-area" }, "Area"), areaSel),
    h("div", { class: "area-tools" }, drawBtn, h("button", { type: "button", id: "filter-area-clear", onclick: () => ((areaSel.value = ""), setArea(null)) }, "Clear area")),
    areaHelp,
    h("div", { class: "field" }, h("label", { for: "filter-route" }, `Route (events within ${ROUTE_KM} km)`), routeSel),
  );
  const layerToggle = (id: string, label: string, key: "events" | "operational" | "sections" | "routes") =>
    h(
      "label",
      { for: id },
      h("input", {
        type: "checkbox",
        id,
        checked: true,
        onchange: (e: Event) => {
          if (map) {
            map.layers[key] = (e.target as HTMLInputElement).checked;
            map.invalidate();
          }
        },
      }),
      ` ${label}`,
    );
  sectionsEl = h("ul", { class: "sections", id: "section-list" });
  const side = h(
    "aside",
    { class: "side", "aria-label": "Filters and layers" },
    h("h2", {}, "Filters"),
    h("div", { class: "field" }, h("label", { for: "filter-from" }, "From"), fromIn),
    h("div", { class: "field" }, h("label", { for: "filter-until" }, "Until"), untilIn),
    h(
      "button",
      {
        type: "button",
        id: "filter-reset",
        onclick: () => {
          fromIn.value = "";
          untilIn.value = "";
          onTime();
        },
      },
      "Clear time filter",
    ),
    areaBox,
    typeBox,
    agencyBox,
    h(
      "fieldset",
      { class: "layers" },
      h("legend", {}, "Other layers"),
      layerToggle("layer-events", "Events", "events"),
      layerToggle("layer-operational", "Operational: own agency's material ringed", "operational"),
      layerToggle("layer-sections", "Analysis: border-section impact", "sections"),
      layerToggle("layer-routes", "Analysis: routes", "routes"),
    ),
    h(
      "div",
      { class: "impact-legend" },
      h("h3", {}, "Border sections"),
      h("p", { class: "legend-row" }, ...(["low", "medium", "high", "critical"] as const).map((i) => h("span", { class: "impact-key" }, h("span", { class: "dot", style: `background:${IMPACT_COLOUR[i]}` }), ` ${i}`))),
      sectionsEl,
    ),
  );

  countEl = h("p", { id: "event-count", class: "count", role: "status" }, "Loading events…");
  liveEl = h("p", { id: "live", class: "live", "aria-live": "polite" });
  const mapHost = h("div", { class: "map-host", id: "map" });
  const tlHost = h("div", { class: "timeline-host", id: "timeline" });
  inView = h("div", { class: "in-view", id: "in-view" });
  detail = h("div", { class: "detail", id: "detail", tabindex: "-1" });
  mapScreen = h(
    "div",
    { class: "screen map-screen" },
    side,
    h("section", { class: "centre", "aria-label": "Map and timeline" }, h("div", { class: "map-bar" }, countEl, liveEl), mapHost, h("h2", { class: "visually-hidden" }, "Timeline"), tlHost),
    h("aside", { class: "panel", "aria-label": "Details" }, detail, inView),
  );
  otherScreen = h("div", { class: "screen other-screen", hidden: true });
  root.replaceChildren(header, h("main", { id: "main", tabindex: "-1" }, mapScreen, otherScreen));

  map = new MapView(mapHost, store);
  map.ownAgency = -1;
  map.fit(-12, 33, 32, 60);
  map.onClusterClick = (events) => void showEvents(events);
  map.onAreaDrawn = (box) => {
    const opt = areaSel.querySelector("option[value=drawn]") as HTMLOptionElement;
    opt.hidden = false;
    areaSel.value = "drawn";
    drawBtn.setAttribute("aria-pressed", "false");
    areaHelp.textContent = "";
    setArea(box);
  };
  let viewTimer = 0;
  map.onViewChange = () => {
    clearTimeout(viewTimer);
    viewTimer = window.setTimeout(updateInView, 150);
  };
  timeline = new Timeline(tlHost);
  timeline.onBrush = (b) => {
    fromIn.value = b ? new Date(b[0]).toISOString().slice(0, 10) : "";
    untilIn.value = b ? new Date(b[1]).toISOString().slice(0, 10) : "";
    filters.from = b ? Date.parse(fromIn.value + "T00:00:00Z") : -Infinity;
    filters.until = b ? Date.parse(untilIn.value + "T00:00:00Z") + 86400e3 : Infinity;
    refresh();
  };
  (window as unknown as { __mosaic: unknown }).__mosaic = { store: () => store, map: () => map, refresh, filters, live: () => liveMode };
}

function renderAgencyFilter(): void {
  const have = new Set(store.agencies);
  const shown = new Set([...agencyBox.querySelectorAll("input")].map((i) => i.value));
  for (const a of [...have].sort()) {
    if (shown.has(a)) continue;
    const id = `agency-${a}`;
    agencyBox.append(
      h(
        "label",
        { for: id },
        h("input", {
          type: "checkbox",
          id,
          value: a,
          checked: filters.agencies === null || filters.agencies.has(a),
          onchange: () => {
            const checked = [...agencyBox.querySelectorAll("input")].filter((i) => i.checked).map((i) => i.value);
            filters.agencies = checked.length === agencyBox.querySelectorAll("input").length ? null : new Set(checked);
            refresh();
          },
        }),
        ` ${agencyName(a)}`,
      ),
    );
  }
}

function renderRouteFilter(): void {
  const have = new Set([...routeSel.options].map((o) => o.value));
  for (const r of store.routes) {
    if (have.has(r.reportId)) continue;
    have.add(r.reportId);
    const rv = store.reports.get(r.reportId);
    routeSel.append(h("option", { value: r.reportId }, rv?.report.place?.name ?? r.reportId));
  }
}

/** Re-applies the filters and redraws map, timeline and lists. */
function refresh(): void {
  if (!map || !timeline) return;
  const own = store.agencies.indexOf(session?.me.agency ?? "");
  map.ownAgency = own;
  map.filtered = applyFilters(store, filters);
  map.sections = store.sectionList();
  map.invalidate();
  timeline.update(store, applyFilters(store, filters, true));
  countEl.textContent = `${map.filtered.length.toLocaleString("en")} of ${store.n.toLocaleString("en")} events shown`;
  countEl.dataset.shown = String(map.filtered.length);
  countEl.dataset.total = String(store.n);
  renderAgencyFilter();
  renderRouteFilter();
  sectionsEl.replaceChildren(
    ...map.sections.map((s) => h("li", {}, h("span", { class: "dot", style: `background:${IMPACT_COLOUR[s.impact]}` }), ` ${s.name}: `, h("strong", {}, s.impact), ` (${s.count})`)),
  );
  updateInView();
}

function updateInView(): void {
  if (!map) return;
  const [w, s, e, n] = map.viewBounds();
  const f = map.filtered;
  const found: number[] = [];
  for (let j = 0; j < f.length; j++) {
    const i = f[j];
    const [lon, lat] = unproject(store.x[i], store.y[i]);
    if (lon >= w && lon <= e && lat >= s && lat <= n) found.push(i);
  }
  found.sort((a, b) => store.t[b] - store.t[a]);
  const top = found.slice(0, 30);
  inView.replaceChildren(
    h("h2", {}, `Latest events in view (${found.length.toLocaleString("en")})`),
    h(
      "ul",
      { class: "event-list" },
      ...top.map((i) => {
        const rid = store.reportIds[i];
        const rv = store.reports.get(rid);
        const t = EVENT_TYPES[store.type[i]];
        return h(
          "li",
          {},
          h(
            "button",
            { type: "button", class: "event-item", "data-report-id": rid, onclick: () => void showEvents([i]) },
            h("span", { class: "ev-type", style: `border-left-color:${EVENT_COLOUR[t]}` }, EVENT_LABEL[t]),
            h("span", { class: "ev-meta" }, `${new Date(store.t[i]).toISOString().slice(0, 16).replace("T", " ")} · ${rv?.report.place?.name ?? ""} · ${store.agencies[store.agency[i]]}`),
            rv && (rv.report.tlp === "RED" || rv.report.handling === "H2") ? h("span", { class: "ev-flag" }, `${rv.report.tlp === "RED" ? "TLP:RED " : ""}${rv.report.handling === "H2" ? "H2" : ""}`) : null,
          ),
        );
      }),
    ),
  );
}

async function showEvents(events: number[]): Promise<void> {
  events = [...events].sort((a, b) => store.t[b] - store.t[a]);
  const shown = events.slice(0, 10);
  const cards: HTMLElement[] = [];
  let restricted = false;
  for (const i of shown) {
    const rv = store.reports.get(store.reportIds[i]);
    if (!rv) {
      cards.push(h("article", { class: "report-card" }, h("p", {}, `Event ${store.reportIds[i]} (no report details loaded)`)));
      continue;
    }
    const r = rv.report;
    if (r.tlp === "RED" || r.handling === "H2" || r.handling === "H3") restricted = true;
    const roles = new Map((r.roles ?? []).map((x) => [x.entity, x.role]));
    const ents = await Promise.all(
      (r.entities ?? []).map(async (m) => ({ id: await entityIdOf(r.id, m), label: entityLabel(m.schema, m.properties), schema: m.schema, role: roles.get(m.key) })),
    );
    cards.push(reportCard(r, rv.version, agencyName, ents, (id) => (location.hash = `#/entity/${encodeURIComponent(id)}`)));
  }
  detail.replaceChildren(
    h("h2", { id: "detail-title" }, `${events.length} event${events.length === 1 ? "" : "s"} — reports`),
    restricted ? h("p", { class: "restricted-summary" }, "This selection includes restricted material (TLP:RED / H2 / H3): see the banners.") : "",
    h("button", { type: "button", class: "close", onclick: () => detail.replaceChildren() }, "Close"),
    ...cards,
    events.length > shown.length ? h("p", {}, `${events.length - shown.length} more; zoom in to see them.`) : "",
  );
  detail.focus();
}

// ---- data -----------------------------------------------------------------------------------

function addReports(items: ReportView[]): number {
  let added = 0;
  for (const v of items) if (store.addReport(v)) added++;
  return added;
}

let fitted = false;
function fitToData(): void {
  if (fitted || !map || store.n === 0) return;
  fitted = true;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < store.n; i++) {
    const [lon, lat] = unproject(store.x[i], store.y[i]);
    x0 = Math.min(x0, lon); x1 = Math.max(x1, lon); y0 = Math.min(y0, lat); y1 = Math.max(y1, lat);
  }
  const pad = 1.5;
  map.fit(x0 - pad, y0 - pad, x1 + pad, y1 + pad);
}

async function loadAll(): Promise<void> {
  let cursor: string | undefined;
  let first = true;
  try {
    do {
      const page = await api.reports({ limit: 1000, cursor });
      addReports(page.items);
      cursor = page.next_cursor;
      if (first) {
        fitToData();
        first = false;
        performance.mark("mosaic:first-data");
      }
      refresh();
    } while (cursor);
    performance.mark("mosaic:loaded");
    document.body.dataset.loaded = "true";
  } catch (e) {
    countEl.textContent = `Could not load events: ${e instanceof Error ? e.message : String(e)}`;
    if (e instanceof ApiError && e.status === 401) return showLogin("Your session ended; sign in again.");
  }
  startLive();
}

function startPolling(): void {
  liveMode = "poll";
  clearInterval(pollTimer);
  pollTimer = window.setInterval(() => void poll(), POLL_MS);
}

function announce(added: number): void {
  if (!added) return;
  liveEl.textContent = `${added} new report${added === 1 ? "" : "s"} at ${new Date().toISOString().slice(11, 19)} UTC`;
  refresh();
}

/** Live updates: server-sent events from /api/v1/events name the reports just stored that
 * this user may see; the app reads them through the scoped API. Falls back to polling the
 * recent window when the stream is unavailable. */
function startLive(): void {
  if (typeof EventSource === "undefined" || params.get("live") === "poll") return startPolling();
  let first = true;
  const src = new EventSource("/api/v1/events");
  liveSource = src;
  src.addEventListener("ready", () => {
    liveMode = "sse";
    clearInterval(pollTimer);
    // After a reconnection, catch up with what was stored in between.
    if (!first) void poll();
    first = false;
  });
  src.addEventListener("reports", (e) => {
    const ids = (JSON.parse((e as MessageEvent).data) as { ids: string[] }).ids;
    void fetchLive(ids);
  });
  src.addEventListener("resync", () => void resync());
  src.onerror = () => {
    if (src.readyState === EventSource.CLOSED && liveSource === src) {
      liveSource = null;
      startPolling();
    }
  };
}

/** Reads the announced reports (a few at a time), or everything after a large import. */
async function fetchLive(ids: string[]): Promise<void> {
  if (!session) return;
  // New versions are announced too: read them all (addReports keeps the newest).
  const todo = ids;
  if (todo.length > 300) return resync();
  let added = 0;
  for (let i = 0; i < todo.length; i += 6) {
    const got = await Promise.all(todo.slice(i, i + 6).map((id) => api.report(id).catch(() => null)));
    added += addReports(got.filter((x): x is ReportView => x !== null));
  }
  announce(added);
}

/** Re-reads every report (new ones are added, known ones kept). */
async function resync(): Promise<void> {
  let cursor: string | undefined;
  let added = 0;
  try {
    do {
      const page = await api.reports({ limit: 1000, cursor });
      added += addReports(page.items);
      cursor = page.next_cursor;
    } while (cursor);
  } catch {
    return;
  }
  announce(added);
}

/** Live updates: polls the recent window (reports made in the last 48 hours). */
async function poll(): Promise<void> {
  if (!session) return;
  let cursor: string | undefined;
  let added = 0;
  try {
    do {
      const page = await api.reports({ from: new Date(Date.now() - 48 * 3600e3).toISOString(), limit: 1000, cursor });
      added += addReports(page.items);
      cursor = page.next_cursor;
    } while (cursor);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      clearInterval(pollTimer);
      showLogin("Your session ended; sign in again.");
    }
    return;
  }
  announce(added);
}

/** Benchmark mode: n generated events (deterministic) instead of the server's. */
function synthetic(n: number): void {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
  const hubs: [number, number, number][] = [[1.85, 50.95, 0.3], [12.6, 35.5, 1.5], [26.5, 39.5, 1.2], [20.5, 44.5, 1.5], [-5.6, 36.0, 0.6], [4.4, 51.2, 0.4], [15.0, 37.5, 1.0]];
  const ags = ["fr-paf", "fr-gcm", "be-fedpol", "gr-hcg", "it-gdf"];
  const t0 = Date.parse("2025-01-01T00:00:00Z");
  for (let i = 0; i < n; i++) {
    const hub = hubs[Math.floor(rnd() * hubs.length)];
    const g = () => (rnd() + rnd() + rnd() - 1.5) * hub[2] * 2;
    store.push(hub[0] + g(), hub[1] + g(), t0 + rnd() * 365 * 86400e3, Math.floor(rnd() * 5), ags[Math.floor(rnd() * ags.length)], -1, `bench:rep:${i}`);
  }
  performance.mark("mosaic:first-data");
  refresh();
  requestAnimationFrame(() => {
    performance.mark("mosaic:first-render");
    setTimeout(() => {
      performance.mark("mosaic:interactive");
      document.body.dataset.loaded = "true";
    }, 0);
  });
}

// ---- routes -----------------------------------------------------------------------------------

function route(): void {
  if (!session) return;
  const hash = decodeURIComponent(location.hash.slice(1));
  for (const a of document.querySelectorAll("nav a")) a.removeAttribute("aria-current");
  if (hash.startsWith("/entity/")) {
    void showEntity(hash.slice("/entity/".length));
  } else if (hash.startsWith("/search")) {
    const q = new URLSearchParams(location.hash.slice(1).split("?")[1] ?? "");
    document.title = `Search${q.get("q") ? `: ${q.get("q")}` : ""} — Mosaic`;
    const box = document.getElementById("search-q") as HTMLInputElement | null;
    if (box) box.value = q.get("q") ?? "";
    mapScreen.hidden = true;
    otherScreen.hidden = false;
    otherScreen.replaceChildren(searchView(q, [...session.agencies.keys()].sort(), agencyName));
  } else if (hash.startsWith("/reports/")) {
    void showReport(hash.slice("/reports/".length));
  } else if (hash === "/import" && may("import_reports")) {
    document.getElementById("nav-import")?.setAttribute("aria-current", "page");
    document.title = "Import reports — Mosaic";
    mapScreen.hidden = true;
    otherScreen.hidden = false;
    // Live updates bring the imported reports; nothing else to do when it ends.
    otherScreen.replaceChildren(importView(() => undefined));
    (document.getElementById("import-file") as HTMLElement | null)?.focus();
  } else if (hash === "/report/new" && may("submit_report")) {
    document.getElementById("nav-report")?.setAttribute("aria-current", "page");
    document.title = "New report — Mosaic";
    mapScreen.hidden = true;
    otherScreen.hidden = false;
    otherScreen.replaceChildren(
      reportForm(session.me.agency, async (id) => {
        // Show it at once; the poll would bring it within seconds anyway.
        try {
          const rv = await api.report(id);
          if (addReports([rv])) refresh();
        } catch {
          /* the poll will bring it */
        }
      }),
    );
    (document.getElementById("f-report_type") as HTMLElement | null)?.focus();
  } else {
    document.getElementById("nav-map")?.setAttribute("aria-current", "page");
    document.title = "Situational picture — Mosaic";
    otherScreen.hidden = true;
    mapScreen.hidden = false;
    map?.resize();
    updateInView();
  }
}

async function showReport(id: string): Promise<void> {
  document.title = "Report — Mosaic";
  mapScreen.hidden = true;
  otherScreen.hidden = false;
  otherScreen.replaceChildren(h("p", { role: "status" }, "Loading…"));
  let rv: ReportView;
  try {
    rv = await api.report(id);
  } catch (x) {
    const missing = x instanceof ApiError && x.status === 404;
    otherScreen.replaceChildren(
      h("section", { class: "profile" }, h("h2", {}, missing ? "Not found" : "Could not load"), h("p", {}, missing ? "No such report, or not one you may see." : String(x)), h("a", { href: "#/map" }, "Back to the situational picture")),
    );
    return;
  }
  const r = rv.report;
  const roles = new Map((r.roles ?? []).map((x) => [x.entity, x.role]));
  const ents = await Promise.all((r.entities ?? []).map(async (m) => ({ id: await entityIdOf(r.id, m), label: entityLabel(m.schema, m.properties), schema: m.schema, role: roles.get(m.key) })));
  otherScreen.replaceChildren(
    h(
      "section",
      { class: "report-screen", "aria-label": "Report" },
      h("a", { href: "#/map", class: "back" }, "← Situational picture"),
      reportCard(r, rv.version, agencyName, ents, (x) => (location.hash = `#/entity/${encodeURIComponent(x)}`)),
    ),
  );
}

async function showEntity(id: string): Promise<void> {
  document.title = "Entity — Mosaic";
  mapScreen.hidden = true;
  otherScreen.hidden = false;
  otherScreen.replaceChildren(h("p", { role: "status" }, "Loading…"));
  let e;
  try {
    e = await entityOf(id);
  } catch (x) {
    otherScreen.replaceChildren(h("p", { role: "alert" }, `Could not load: ${String(x)}`));
    return;
  }
  if (!e) {
    otherScreen.replaceChildren(
      h("section", { class: "profile" }, h("h2", {}, "Not found"), h("p", {}, "No such entity, or nothing about it that you may see."), h("a", { href: "#/map" }, "Back to the situational picture")),
    );
    return;
  }
  const open = (x: string) => (location.hash = `#/entity/${encodeURIComponent(x)}`);
  const chart = new LinkChart(open);
  chart.add(e.id, entityLabel(e.schema, e.properties), e.schema);
  chart.selected = e.id;
  otherScreen.replaceChildren(h("div", { class: "entity-screen" }, h("div", { class: "entity-main" }, h("a", { href: "#/map", class: "back" }, "← Situational picture"), profileView(e, agencyName, open)), chart.el));
  document.title = `${entityLabel(e.schema, e.properties)} — Mosaic`;
  await chart.expand(e.id);
}

// ---- boot -------------------------------------------------------------------------------------

void (async () => {
  try {
    await start();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) showLogin();
    else showLogin(e instanceof Error ? `The server did not answer: ${e.message}` : undefined);
  }
})();

