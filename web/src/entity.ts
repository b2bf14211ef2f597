// The entity profile (every value with its sources) and the link chart, expandable
// neighbour by neighbour. Neighbours are the entities this one refers to (reference
// statements) and the entities mentioned in the same reports. Everything comes from the
// API under the user's own scope, so the chart shows only what the user may see.

import { api, ApiError, entityIdOf, type EntityView, type ReportView, type StatementView } from "./api";
import { entityLabel, fmtTime, gradingText, h, handlingBadge, tlpBadge, classificationBadge, restrictionBanner } from "./ui";

export interface Neighbour {
  id: string;
  label: string;
  schema: string;
  via: string; // the property, or "same report"
}

const reportCache = new Map<string, Promise<ReportView | null>>();
function reportOf(id: string): Promise<ReportView | null> {
  let p = reportCache.get(id);
  if (!p) {
    p = api.report(id).catch(() => null);
    reportCache.set(id, p);
  }
  return p;
}

const entityCache = new Map<string, Promise<EntityView | null>>();
export function entityOf(id: string): Promise<EntityView | null> {
  let p = entityCache.get(id);
  if (!p) {
    p = api.entity(id).catch((e) => {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    });
    entityCache.set(id, p);
  }
  return p;
}

export function clearCaches(): void {
  reportCache.clear();
  entityCache.clear();
}

export async function neighbours(e: EntityView): Promise<Neighbour[]> {
  const out = new Map<string, Neighbour>();
  for (const s of e.statements) {
    if (s.is_ref && s.value !== e.id && !out.has(s.value)) out.set(s.value, { id: s.value, label: "", schema: "", via: s.prop });
  }
  const reportIds = [...new Set(e.statements.map((s) => s.report_id))].slice(0, 25);
  const reports = await Promise.all(reportIds.map(reportOf));
  for (const rv of reports) {
    if (!rv) continue;
    for (const m of rv.report.entities ?? []) {
      const id = await entityIdOf(rv.report.id, m);
      if (id === e.id) continue;
      const refsMe = Object.values(m.properties).some((vs) => vs.some((v) => v === e.id));
      const prev = out.get(id);
      if (!prev || !prev.schema) {
        out.set(id, {
          id,
          label: entityLabel(m.schema, m.properties),
          schema: m.schema,
          via: prev?.via ?? (refsMe ? "refers to it" : "same report"),
        });
      }
    }
  }
  // Fill labels of reference targets the reports did not describe, and drop what the user
  // cannot see (the API answers 404).
  const list = [...out.values()];
  await Promise.all(
    list.map(async (n) => {
      if (n.schema) return;
      const ev = await entityOf(n.id);
      if (ev) {
        n.schema = ev.schema;
        n.label = entityLabel(ev.schema, ev.properties);
      }
    }),
  );
  return list.filter((n) => n.schema);
}

function sourceList(sts: StatementView[], agencyName: (id: string) => string): HTMLElement {
  return h(
    "ul",
    { class: "sources" },
    ...sts.map((s) =>
      h(
        "li",
        {},
        h("span", { class: "agency" }, agencyName(s.agency)),
        " ",
        h("abbr", { title: gradingText(s.grading) }, s.grading ?? "ungraded"),
        " ",
        handlingBadge(s.handling),
        " ",
        tlpBadge(s.tlp),
        " ",
        classificationBadge(s.classification),
        " ",
        h("span", { class: "time" }, `reported ${fmtTime(s.reported_at)}${s.observed_at ? `, observed ${fmtTime(s.observed_at)}` : ""}`),
        " ",
        h("span", { class: "mono small" }, s.report_id),
      ),
    ),
  );
}

/** The profile: properties, each value with its sources. */
/** The rule that joined two things, in words (the server's `KeyRule`). */
function ruleText(rule: unknown): string {
  if (!rule || typeof rule !== "object") return String(rule ?? "");
  const [kind, v] = Object.entries(rule as Record<string, unknown>)[0] ?? ["", ""];
  const detail = v && typeof v === "object" ? Object.values(v as Record<string, unknown>).flat().join(", ") : String(v ?? "");
  return `${kind.replace(/_/g, " ")}${detail ? `: ${detail}` : ""}`;
}

/** "Which mentions are this entity, and why": fetched on demand (it resolves everything
 * the user may see), shown as the joined records with their agencies and the links that
 * joined them, each explained feature by feature. */
function resolutionPanel(id: string, agencyName: (id: string) => string, openEntity: (id: string) => void): HTMLElement {
  const out = h("div", { id: "resolution-result" });
  const button = h("button", { type: "button", id: "resolution-show" }, "Show which mentions were joined, and why");
  button.addEventListener("click", async () => {
    button.disabled = true;
    out.replaceChildren(h("p", { role: "status" }, "Resolving what you may see…"));
    try {
      const v = await api.resolution(id);
      const c = v.cluster;
      const members = c.members.map((m) =>
        h(
          "tr",
          { "data-entity-id": m.entity_id },
          h("td", {}, m.entity_id === id ? h("span", { class: "mono" }, m.entity_id) : h("button", { type: "button", class: "link mono", onclick: () => openEntity(m.entity_id) }, m.entity_id)),
          h("td", {}, [...new Set(m.mentions.map((x) => agencyName(x.agency)))].join(", ")),
          h("td", {}, String(m.mentions.length)),
          h("td", {}, [...m.names, ...m.keys].join("; ")),
        ),
      );
      const links = c.links.map((l) =>
        h(
          "li",
          { class: "resolution-link" },
          h("p", {}, h("span", { class: "mono" }, `${l.left} ↔ ${l.right}`), ` — probability ${(l.probability * 100).toFixed(1)}%`, l.corroborated ? ` (with ${l.corroborated.links} corroborating links)` : "", l.judgement ? ` — analyst: ${l.judgement.verdict}` : ""),
          l.features.length
            ? h(
                "table",
                { class: "resolution-features" },
                h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Feature"), h("th", { scope: "col" }, "Level"), h("th", { scope: "col" }, "Values"), h("th", { scope: "col" }, "Weight"))),
                h("tbody", {}, ...l.features.map((f) => h("tr", {}, h("td", {}, f.feature), h("td", {}, f.level), h("td", {}, `${f.left} | ${f.right}`), h("td", {}, f.weight.toFixed(2))))),
              )
            : l.rule
              ? h("p", { class: "small" }, ruleText(l.rule))
              : null,
        ),
      );
      out.replaceChildren(
        h("p", { role: "status", id: "resolution-status" }, c.members.length > 1 ? `${c.members.length} records joined (resolved over the ${v.records.toLocaleString("en")} records you may see).` : "No other record was joined to this one."),
        h(
          "table",
          { class: "statements resolution-members" },
          h("caption", {}, "Joined records"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Entity"), h("th", { scope: "col" }, "Agencies"), h("th", { scope: "col" }, "Mentions"), h("th", { scope: "col" }, "Names and identifiers as written"))),
          h("tbody", {}, ...members),
        ),
        links.length ? h("ol", { class: "resolution-links" }, ...links) : "",
      );
    } catch (e) {
      out.replaceChildren(h("p", { role: "status" }, `Resolution failed: ${e instanceof ApiError ? (e.problem.detail ?? e.problem.title) : String(e)}`));
    } finally {
      button.disabled = false;
    }
  });
  return h("section", { class: "resolution", "aria-labelledby": "resolution-title" }, h("h3", { id: "resolution-title" }, "Resolution"), button, out);
}

export function profileView(e: EntityView, agencyName: (id: string) => string, openEntity: (id: string) => void): HTMLElement {
  const byProp = new Map<string, Map<string, StatementView[]>>();
  for (const s of e.statements) {
    const m = byProp.get(s.prop) ?? new Map<string, StatementView[]>();
    const l = m.get(s.value) ?? [];
    l.push(s);
    m.set(s.value, l);
    byProp.set(s.prop, m);
  }
  const restricted = e.statements.filter((s) => s.tlp === "RED" || s.handling === "H2" || s.handling === "H3");
  const rows: HTMLElement[] = [];
  for (const [prop, values] of [...byProp.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    let firstRow = true;
    for (const [value, sts] of values) {
      rows.push(
        h(
          "tr",
          {},
          h("th", { scope: "row" }, firstRow ? prop : ""),
          h(
            "td",
            {},
            sts[0].is_ref
              ? h("button", { type: "button", class: "link mono", onclick: () => openEntity(value) }, value)
              : h("span", { class: "value" }, value),
          ),
          h(
            "td",
            {},
            sourceList(sts.slice(0, 4), agencyName),
            sts.length > 4 ? h("details", {}, h("summary", {}, `${sts.length - 4} more sources`), sourceList(sts.slice(4), agencyName)) : "",
          ),
        ),
      );
      firstRow = false;
    }
  }
  return h(
    "section",
    { class: "profile", "aria-labelledby": "profile-title" },
    h("h2", { id: "profile-title" }, `${entityLabel(e.schema, e.properties)} `, h("span", { class: "schema" }, e.schema)),
    h("p", { class: "mono small" }, e.id),
    restricted.length
      ? restrictionBanner({
          tlp: restricted.some((s) => s.tlp === "RED") ? "RED" : "",
          handling: restricted.find((s) => s.handling === "H2" || s.handling === "H3")?.handling ?? "",
          agency: restricted.map((s) => agencyName(s.agency)).filter((v, i, a) => a.indexOf(v) === i).join(", "),
        })
      : null,
    h(
      "table",
      { class: "statements" },
      h("caption", {}, `Values and their sources (${e.statements.length} statements you may see)`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Property"), h("th", { scope: "col" }, "Value"), h("th", { scope: "col" }, "Sources"))),
      h("tbody", {}, ...rows),
    ),
    resolutionPanel(e.id, agencyName, openEntity),
  );
}

// ---- link chart --------------------------------------------------------------------------

interface Node {
  id: string;
  label: string;
  schema: string;
  x: number;
  y: number;
  vx: number;
  vy: number;
  expanded: boolean;
}

const SCHEMA_COLOUR: Record<string, string> = {
  Person: "#0072B2",
  Organization: "#7B3294",
  Vehicle: "#D55E00",
  Vessel: "#00707A",
  Phone: "#5B5B00",
  BankAccount: "#B8860B",
  Payment: "#8B0000",
  BorderEvent: "#4D4D4D",
};

export class LinkChart {
  readonly el: HTMLElement;
  private canvas: HTMLCanvasElement;
  private list: HTMLUListElement;
  private status: HTMLElement;
  nodes = new Map<string, Node>();
  edges: { a: string; b: string; label: string }[] = [];
  // Each report's own BorderEvent would crowd the chart: hidden until asked for.
  private hidden = new Set<string>(["BorderEvent"]);
  private layout: "force" | "circle" = "force";
  private ticks = 0;
  private raf = 0;
  selected: string | null = null;
  private W = 720;
  private H = 420;

  constructor(private openEntity: (id: string) => void) {
    this.canvas = h("canvas", { class: "chart-canvas", role: "img", "aria-label": "Link chart (the list beside it has the same nodes)" });
    this.canvas.width = this.W;
    this.canvas.height = this.H;
    this.list = h("ul", { class: "chart-nodes", "aria-label": "Nodes of the link chart" });
    this.status = h("p", { class: "chart-status", role: "status" });
    const schemaFilter = h("fieldset", { class: "chart-filter" }, h("legend", {}, "Show"));
    for (const s of Object.keys(SCHEMA_COLOUR)) {
      const id = `chart-show-${s}`;
      schemaFilter.append(
        h(
          "label",
          { for: id },
          h("input", {
            type: "checkbox",
            id,
            checked: !this.hidden.has(s),
            onchange: (e: Event) => {
              if ((e.target as HTMLInputElement).checked) this.hidden.delete(s);
              else this.hidden.add(s);
              this.render();
            },
          }),
          ` ${s}`,
        ),
      );
    }
    const layoutSel = h(
      "select",
      {
        id: "chart-layout",
        onchange: (e: Event) => {
          this.layout = (e.target as HTMLSelectElement).value as "force" | "circle";
          this.relayout();
        },
      },
      h("option", { value: "force" }, "Force"),
      h("option", { value: "circle" }, "Circle"),
    );
    this.el = h(
      "section",
      { class: "link-chart", "aria-labelledby": "chart-title" },
      h("h2", { id: "chart-title" }, "Link chart"),
      h(
        "div",
        { class: "chart-tools" },
        h("label", { for: "chart-layout" }, "Layout "),
        layoutSel,
        h("button", { type: "button", id: "chart-export", onclick: () => this.exportPng() }, "Export as PNG"),
        schemaFilter,
      ),
      this.status,
      h("div", { class: "chart-body" }, this.canvas, this.list),
    );
    this.canvas.addEventListener("click", (e) => {
      const r = this.canvas.getBoundingClientRect();
      const x = ((e.clientX - r.left) / r.width) * this.W;
      const y = ((e.clientY - r.top) / r.height) * this.H;
      for (const n of this.nodes.values()) {
        if (!this.hidden.has(n.schema) && Math.hypot(n.x - x, n.y - y) < 14) {
          void this.expand(n.id);
          return;
        }
      }
    });
  }

  add(id: string, label: string, schema: string, near?: Node): Node {
    let n = this.nodes.get(id);
    if (!n) {
      const a = Math.random() * Math.PI * 2;
      n = {
        id,
        label,
        schema,
        x: (near?.x ?? this.W / 2) + Math.cos(a) * 60,
        y: (near?.y ?? this.H / 2) + Math.sin(a) * 60,
        vx: 0,
        vy: 0,
        expanded: false,
      };
      this.nodes.set(id, n);
    }
    return n;
  }

  async expand(id: string): Promise<void> {
    const n = this.nodes.get(id);
    if (!n || n.expanded) return;
    this.status.textContent = `Expanding ${n.label}…`;
    const ev = await entityOf(id);
    if (!ev) {
      this.status.textContent = `Nothing about ${n.label} that you may see.`;
      return;
    }
    const ns = await neighbours(ev);
    for (const m of ns) {
      this.add(m.id, m.label, m.schema, n);
      if (!this.edges.some((e) => (e.a === id && e.b === m.id) || (e.a === m.id && e.b === id))) {
        this.edges.push({ a: id, b: m.id, label: m.via });
      }
    }
    n.expanded = true;
    this.status.textContent = `${n.label}: ${ns.length} neighbour${ns.length === 1 ? "" : "s"}. ${this.nodes.size} nodes, ${this.edges.length} links.`;
    this.relayout();
  }

  private relayout(): void {
    if (this.layout === "circle") {
      const list = [...this.nodes.values()];
      list.forEach((n, i) => {
        const a = (i / list.length) * Math.PI * 2;
        n.x = this.W / 2 + Math.cos(a) * (this.H / 2 - 40);
        n.y = this.H / 2 + Math.sin(a) * (this.H / 2 - 40);
      });
      this.render();
      return;
    }
    this.ticks = 200;
    if (!this.raf) this.raf = requestAnimationFrame(() => this.step());
  }

  private step(): void {
    this.raf = 0;
    const nodes = [...this.nodes.values()];
    for (let it = 0; it < 3 && this.ticks > 0; it++, this.ticks--) {
      for (const a of nodes) {
        for (const b of nodes) {
          if (a === b) continue;
          const dx = a.x - b.x;
          const dy = a.y - b.y;
          const d2 = Math.max(dx * dx + dy * dy, 25);
          const f = 900 / d2;
          a.vx += dx * f * 0.05;
          a.vy += dy * f * 0.05;
        }
      }
      for (const e of this.edges) {
        const a = this.nodes.get(e.a)!;
        const b = this.nodes.get(e.b)!;
        const dx = b.x - a.x;
        const dy = b.y - a.y;
        const d = Math.max(Math.hypot(dx, dy), 1);
        const f = (d - 90) * 0.02;
        a.vx += (dx / d) * f;
        a.vy += (dy / d) * f;
        b.vx -= (dx / d) * f;
        b.vy -= (dy / d) * f;
      }
      for (const n of nodes) {
        n.vx += (this.W / 2 - n.x) * 0.003;
        n.vy += (this.H / 2 - n.y) * 0.003;
        n.x = Math.min(this.W - 20, Math.max(20, n.x + n.vx));
        n.y = Math.min(this.H - 20, Math.max(20, n.y + n.vy));
        n.vx *= 0.6;
        n.vy *= 0.6;
      }
    }
    this.render();
    if (this.ticks > 0) this.raf = requestAnimationFrame(() => this.step());
  }

  render(): void {
    const ctx = this.canvas.getContext("2d")!;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, this.W, this.H);
    const vis = (id: string) => {
      const n = this.nodes.get(id);
      return !!n && !this.hidden.has(n.schema);
    };
    ctx.strokeStyle = "#888";
    ctx.lineWidth = 1.5;
    ctx.font = "10px system-ui, sans-serif";
    ctx.fillStyle = "#555";
    ctx.textAlign = "center";
    for (const e of this.edges) {
      if (!vis(e.a) || !vis(e.b)) continue;
      const a = this.nodes.get(e.a)!;
      const b = this.nodes.get(e.b)!;
      ctx.beginPath();
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(b.x, b.y);
      ctx.stroke();
      if (e.label !== "same report") ctx.fillText(e.label, (a.x + b.x) / 2, (a.y + b.y) / 2 - 3);
    }
    ctx.font = "600 11px system-ui, sans-serif";
    for (const n of this.nodes.values()) {
      if (this.hidden.has(n.schema)) continue;
      ctx.beginPath();
      ctx.arc(n.x, n.y, n.expanded ? 11 : 9, 0, Math.PI * 2);
      ctx.fillStyle = SCHEMA_COLOUR[n.schema] ?? "#333";
      ctx.fill();
      ctx.lineWidth = n.id === this.selected ? 3 : 1.5;
      ctx.strokeStyle = n.expanded ? "#000" : "#fff";
      ctx.stroke();
      ctx.fillStyle = "#111";
      ctx.fillText(n.label.length > 24 ? n.label.slice(0, 23) + "…" : n.label, n.x, n.y + 22);
    }
    this.list.replaceChildren(
      ...[...this.nodes.values()]
        .filter((n) => !this.hidden.has(n.schema))
        .map((n) =>
          h(
            "li",
            { "data-node-id": n.id },
            h("button", { type: "button", class: "link", onclick: () => this.openEntity(n.id) }, n.label),
            ` ${n.schema} `,
            n.expanded
              ? h("span", { class: "small" }, "(expanded)")
              : h("button", { type: "button", class: "expand", "aria-label": `Expand ${n.label}`, onclick: () => void this.expand(n.id) }, "Expand"),
          ),
        ),
    );
  }

  exportPng(): void {
    this.render();
    const a = h("a", { href: this.canvas.toDataURL("image/png"), download: "mosaic-link-chart.png" });
    document.body.append(a);
    a.click();
    a.remove();
  }
}
