// Small DOM helpers and the components that show provenance and handling: markings
// (TLP, handling code, classification, grading) and report cards.

import type { Report } from "./api";

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
    else if (k === "class") el.className = String(v);
    // CSSOM, not the style attribute: the app's CSP has no 'unsafe-inline'.
    else if (k === "style") el.style.cssText = String(v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

export function fmtTime(iso: string | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

const SOURCE: Record<string, string> = {
  A: "A — no doubt about the source",
  B: "B — source mostly reliable",
  C: "C — source mostly unreliable",
  X: "X — source reliability cannot be assessed",
};
const INFO: Record<string, string> = {
  "1": "1 — no doubt about accuracy",
  "2": "2 — known personally to the source",
  "3": "3 — corroborated, not known personally to the source",
  "4": "4 — cannot be corroborated",
};

export function gradingText(g: string | undefined): string {
  if (!g) return "not graded";
  const m = /^([ABCX])([1-4])$/.exec(g);
  if (!m) return g;
  return `${SOURCE[m[1]]}; ${INFO[m[2]]}`;
}

export const HANDLING_TEXT: Record<string, string> = {
  H0: "H0 — use only to prevent and combat crime",
  H1: "H1 — not for judicial proceedings without the provider's permission",
  H2: "H2 — do not disseminate without the provider's permission",
  H3: "H3 — other restrictions apply",
};

export function tlpBadge(tlp: string): HTMLElement {
  const cls = tlp.toLowerCase().replace("+", "-");
  return h("span", { class: `badge tlp tlp-${cls}`, title: `Traffic Light Protocol ${tlp}` }, `TLP:${tlp}`);
}

export function handlingBadge(code: string): HTMLElement {
  return h("span", { class: `badge handling handling-${code.toLowerCase()}`, title: HANDLING_TEXT[code] ?? code }, code);
}

export function classificationBadge(c: string): HTMLElement {
  return h("span", { class: `badge classification cls-${c}` }, c.replace("_", " ").toUpperCase());
}

export function gradingBadge(g: string | undefined): HTMLElement {
  return h("span", { class: "badge grading", title: gradingText(g) }, g ? `Grading ${g}` : "Not graded");
}

/** The prominent warning for restricted handling: TLP:RED, AMBER+STRICT, H2, H3. */
export function restrictionBanner(r: { tlp: string; handling: string; agency: string; handling_conditions?: string }): HTMLElement | null {
  const lines: string[] = [];
  if (r.tlp === "RED") lines.push("TLP:RED — for the named recipients only. Do not share with anyone else.");
  if (r.tlp === "AMBER+STRICT") lines.push("TLP:AMBER+STRICT — only within your own organisation.");
  if (r.handling === "H2") lines.push(`H2 — do not disseminate without the permission of ${r.agency}.`);
  if (r.handling === "H3") lines.push(`H3 — restrictions: ${r.handling_conditions ?? "see the report"}.`);
  if (!lines.length) return null;
  return h(
    "div",
    { class: "restriction-banner", role: "note", "aria-label": "Handling restrictions" },
    h("strong", {}, "⚠ Restricted handling"),
    h("ul", {}, ...lines.map((l) => h("li", {}, l))),
  );
}

export const REPORT_TYPE_LABEL: Record<string, string> = {
  incident_at_sea: "Incident at sea",
  interception: "Interception",
  port_intelligence: "Port intelligence",
  suspicious_transaction: "Suspicious transaction",
  labour_inspection: "Labour inspection",
  migrant_debrief: "Migrant debrief",
  protection_referral: "Protection referral",
  arrest: "Arrest",
  search: "Search",
  intelligence: "Intelligence",
  other: "Other",
};

export function entityLabel(schema: string, props: Record<string, string[]>): string {
  for (const p of ["name", "registrationNumber", "number", "iban", "accountNumber", "address", "full", "imoNumber", "eventType", "route"]) {
    const v = props[p]?.[0];
    if (v) return v;
  }
  return schema;
}

/** A report with its provenance and markings. `onEntity` opens an entity profile. */
export function reportCard(
  r: Report,
  version: number,
  agencyName: (id: string) => string,
  entities: { id: string; label: string; schema: string; role?: string }[],
  onEntity: (id: string) => void,
): HTMLElement {
  const banner = restrictionBanner(r);
  return h(
    "article",
    { class: `report-card${banner ? " restricted" : ""}`, "data-report-id": r.id, "aria-label": `Report ${r.source_ref ?? r.id}` },
    banner,
    h(
      "div",
      { class: "markings" },
      tlpBadge(r.tlp),
      handlingBadge(r.handling),
      classificationBadge(r.classification),
      gradingBadge(r.grading),
    ),
    h("h3", {}, `${REPORT_TYPE_LABEL[r.report_type] ?? r.report_type}${r.place?.name ? ` — ${r.place.name}` : ""}`),
    h(
      "dl",
      { class: "provenance" },
      h("dt", {}, "Provider"),
      h("dd", {}, `${agencyName(r.agency)} (${r.agency})`),
      r.author ? [h("dt", {}, "Author"), h("dd", {}, r.author)] : null,
      r.source_ref ? [h("dt", {}, "Provider's reference"), h("dd", {}, r.source_ref)] : null,
      h("dt", {}, "Reported"),
      h("dd", {}, fmtTime(r.reported_at)),
      h("dt", {}, "Observed"),
      h("dd", {}, fmtTime(r.observed_at)),
      h("dt", {}, "Grading"),
      h("dd", {}, gradingText(r.grading)),
      h("dt", {}, "Handling"),
      h("dd", {}, HANDLING_TEXT[r.handling] ?? r.handling),
      r.legal_basis ? [h("dt", {}, "Legal basis"), h("dd", {}, r.legal_basis)] : null,
      h("dt", {}, "Report id"),
      h("dd", { class: "mono" }, `${r.id} (v${version})`),
    ),
    r.narrative ? h("p", { class: "narrative", lang: r.language ?? "" }, r.narrative) : null,
    entities.length
      ? h(
          "div",
          { class: "entities" },
          h("h4", {}, "Entities"),
          h(
            "ul",
            {},
            ...entities.map((e) =>
              h(
                "li",
                {},
                h("button", { type: "button", class: "link", "data-entity-id": e.id, onclick: () => onEntity(e.id) }, e.label),
                ` ${e.schema}${e.role ? ` · ${e.role.replace(/_/g, " ")}` : ""}`,
              ),
            ),
          ),
        )
      : null,
  );
}
