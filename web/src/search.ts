// Search screen (#/search?q=…): names in any spelling or script, identifiers and narrative
// words, through /api/v1/search (the server applies the user's scope inside the query, so
// results and totals only ever show what the user may see). Entity hits open the profile;
// report hits open the report. The server returns one hit per mention; mentions of one
// entity (the same entity id in several reports) are shown as one item that counts them
// and names the agencies that mentioned it.

import { api, ApiError, type SearchHit, type SearchParams } from "./api";
import { fmtTime, h } from "./ui";

const SCHEMAS = ["Person", "Organization", "Phone", "Vehicle", "Vessel", "BankAccount", "IdentityDocument", "Email", "Address", "Trip", "BorderEvent"];

/** `text` with the words of `marks` wrapped in <mark> (text nodes only: no HTML injection). */
export function marked(text: string, marks: string[]): (Node | string)[] {
  if (!marks.length || !text) return [text];
  const esc = marks.filter((m) => m.length > 0).map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (!esc.length) return [text];
  const re = new RegExp(`(${esc.join("|")})`, "g");
  const out: (Node | string)[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const i = m.index ?? 0;
    if (i > last) out.push(text.slice(last, i));
    out.push(h("mark", {}, m[0]));
    last = i + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function hitItem(hit: SearchHit, agencyName: (id: string) => string): HTMLElement {
  const href = hit.kind === "entity" && hit.entity_id ? `#/entity/${encodeURIComponent(hit.entity_id)}` : `#/reports/${encodeURIComponent(hit.report_id)}`;
  return h(
    "li",
    { class: "search-hit", "data-kind": hit.kind, "data-entity-id": hit.entity_id, "data-report-id": hit.report_id },
    h("a", { href, class: "hit-title" }, ...marked(hit.title, hit.highlights)),
    h("span", { class: "hit-kind" }, hit.kind === "entity" ? (hit.schema ?? "Entity") : "Report"),
    hit.snippet ? h("p", { class: "hit-snippet" }, ...marked(hit.snippet, hit.highlights)) : null,
    h("p", { class: "small hit-where" }, `${agencyName(hit.agency)} · ${fmtTime(hit.time)}`),
  );
}

/** One entity's mentions among the results shown so far. */
interface Group {
  item: HTMLElement;
  mentions: number;
  agencies: Set<string>;
  latest: string;
}

/** Counts a further mention of an entity already listed, on its item. */
function addMention(g: Group, hit: SearchHit, agencyName: (id: string) => string) {
  g.mentions += 1;
  g.agencies.add(hit.agency);
  if (hit.time > g.latest) g.latest = hit.time;
  g.item.dataset.mentions = String(g.mentions);
  const where = g.item.querySelector(".hit-where");
  if (where) where.textContent = `${g.mentions} mentions · ${[...g.agencies].map(agencyName).join(", ")} · latest ${fmtTime(g.latest)}`;
}

/** The search screen for the query in `params` (URL search part of the hash). */
export function searchView(params: URLSearchParams, agencies: string[], agencyName: (id: string) => string): HTMLElement {
  const q = params.get("q") ?? "";
  const field = (id: string, label: string, input: HTMLElement) => h("div", { class: "field" }, h("label", { for: id }, label), input);
  const kind = h(
    "select",
    { id: "search-kind", name: "kind" },
    h("option", { value: "" }, "Entities and reports"),
    h("option", { value: "entity" }, "Entities only"),
    h("option", { value: "report" }, "Reports only"),
  );
  kind.value = params.get("kind") ?? "";
  const schema = h("select", { id: "search-schema", name: "schema" }, h("option", { value: "" }, "Any"), ...SCHEMAS.map((s) => h("option", { value: s }, s)));
  schema.value = params.get("schema") ?? "";
  const agency = h("select", { id: "search-agency", name: "agency" }, h("option", { value: "" }, "Any"), ...agencies.map((a) => h("option", { value: a }, agencyName(a))));
  agency.value = params.get("agency") ?? "";
  const from = h("input", { type: "date", id: "search-from", name: "from", value: params.get("from") ?? "" });
  const until = h("input", { type: "date", id: "search-until", name: "until", value: params.get("until") ?? "" });
  const text = h("input", { type: "search", id: "search-page-q", name: "q", value: q, autocomplete: "off" });
  const status = h("p", { id: "search-status", role: "status" }, q || [...params.keys()].length ? "Searching…" : "Type a name, an identifier or words of a narrative.");
  const list = h("ol", { class: "search-results", id: "search-results" });
  const more = h("button", { type: "button", id: "search-more", hidden: true }, "More results");
  const form = h(
    "form",
    {
      class: "search-filters",
      role: "search",
      "aria-label": "Search with filters",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const p = new URLSearchParams();
        p.set("q", text.value);
        for (const [k, v] of [["kind", kind.value], ["schema", schema.value], ["agency", agency.value], ["from", from.value], ["until", until.value]] as const) if (v) p.set(k, v);
        location.hash = `#/search?${p}`;
      },
    },
    field("search-page-q", "Search", text),
    field("search-kind", "Kind", kind),
    field("search-schema", "Entity type", schema),
    field("search-agency", "Agency", agency),
    field("search-from", "From", from),
    field("search-until", "Until", until),
    h("button", { type: "submit", class: "primary" }, "Search"),
  );
  const req: SearchParams = {
    q,
    kind: kind.value || undefined,
    schema: schema.value || undefined,
    agency: agency.value || undefined,
    from: from.value ? `${from.value}T00:00:00Z` : undefined,
    until: until.value ? new Date(Date.parse(`${until.value}T00:00:00Z`) + 86400e3).toISOString() : undefined,
    limit: 25,
  };
  const groups = new Map<string, Group>();
  let shown = 0;
  const load = async (offset: number) => {
    more.hidden = true;
    try {
      const page = await api.search({ ...req, offset });
      for (const hit of page.hits) {
        shown += 1;
        const g = hit.kind === "entity" && hit.entity_id ? groups.get(hit.entity_id) : undefined;
        if (g) {
          addMention(g, hit, agencyName);
          continue;
        }
        const item = hitItem(hit, agencyName);
        list.append(item);
        if (hit.kind === "entity" && hit.entity_id) groups.set(hit.entity_id, { item, mentions: 1, agencies: new Set([hit.agency]), latest: hit.time });
      }
      const items = list.children.length;
      const grouped = items < shown ? ` in ${items.toLocaleString("en")} item${items === 1 ? "" : "s"}` : "";
      status.textContent = page.total === 0 ? "No results you may see." : `${page.total.toLocaleString("en")} result${page.total === 1 ? "" : "s"}; showing ${shown}${grouped}.`;
      status.dataset.total = String(page.total);
      if (page.next_offset !== undefined) {
        more.hidden = false;
        more.onclick = () => void load(page.next_offset!);
      }
    } catch (e) {
      status.textContent = `Search failed: ${e instanceof ApiError ? (e.problem.detail ?? e.problem.title) : String(e)}`;
    }
  };
  if (q || [...params.keys()].length) void load(0);
  return h("section", { class: "search-screen", "aria-labelledby": "search-title" }, h("h1", { id: "search-title" }, "Search"), form, status, list, more);
}
