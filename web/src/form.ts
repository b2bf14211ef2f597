// The report form. Builds a mosaic.report/1 document, submits it, and puts every error of
// the server's problem document next to the field it names (by JSON path).

import { api, ApiError, type FieldError } from "./api";
import { EVENT_LABEL, EVENT_TYPES, IMPACTS } from "./events";
import { h, REPORT_TYPE_LABEL } from "./ui";

interface FieldSpec {
  path: string; // the JSON path the server names in errors
  id: string;
  label: string;
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  help?: string;
}

function select(id: string, options: [string, string][], value = ""): HTMLSelectElement {
  return h("select", { id, name: id }, ...options.map(([v, l]) => h("option", { value: v, selected: v === value }, l)));
}

function localNow(): string {
  const d = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

export function reportForm(agency: string, onSubmitted: (id: string) => void): HTMLElement {
  const f = (path: string, id: string, label: string, input: FieldSpec["input"], help?: string): FieldSpec => ({ path, id, label, input, help });
  const inp = (id: string, type: string, extra: Record<string, string | boolean> = {}) => h("input", { id, name: id, type, ...extra });
  const fields: FieldSpec[] = [
    f("report_type", "f-report_type", "Report type", select("f-report_type", Object.entries(REPORT_TYPE_LABEL), "interception")),
    f("reported_at", "f-reported_at", "Reported at", inp("f-reported_at", "datetime-local", { value: localNow(), required: true }), "Your local time"),
    f("observed_at", "f-observed_at", "Observed at", inp("f-observed_at", "datetime-local"), "When it happened, if known"),
    f("source_ref", "f-source_ref", "Your reference", inp("f-source_ref", "text", { autocomplete: "off" }), "Your agency's own reference; re-sending the same reference never duplicates"),
    f("grading", "f-grading", "Grading", inp("f-grading", "text", { value: "B2", autocomplete: "off" }), "EU 4x4 (e.g. B2), UK 3x5x2 (3x5x2:1AP) or admiralty:B3"),
    f("handling", "f-handling", "Handling code", select("f-handling", [["H0", "H0 — prevent and combat crime only"], ["H1", "H1 — not for judicial proceedings"], ["H2", "H2 — no dissemination without permission"], ["H3", "H3 — other restrictions"]], "H1")),
    f("handling_conditions", "f-handling_conditions", "Handling conditions (H3)", inp("f-handling_conditions", "text")),
    f("tlp", "f-tlp", "TLP", select("f-tlp", ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"].map((t) => [t, `TLP:${t}`]), "AMBER")),
    f("classification", "f-classification", "Classification", select("f-classification", ["unclassified", "restricted", "confidential", "secret", "top_secret"].map((c) => [c, c.replace("_", " ")]), "restricted")),
    f("place.name", "f-place_name", "Place", inp("f-place_name", "text")),
    f("place.country", "f-place_country", "Country (ISO code)", inp("f-place_country", "text", { maxlength: "2", size: "3" })),
    f("place.geometry.lat", "f-lat", "Latitude", inp("f-lat", "text", { inputmode: "decimal" }), "Decimal degrees, e.g. 50.95"),
    f("place.geometry.lon", "f-lon", "Longitude", inp("f-lon", "text", { inputmode: "decimal" }), "Decimal degrees, e.g. 1.85"),
    f("entities[0].properties.eventType", "f-event_type", "EUROSUR event type", select("f-event_type", [["", "— none —"], ...EVENT_TYPES.map((t) => [t, EVENT_LABEL[t]] as [string, string])], "unauthorised_crossing")),
    f("entities[0].properties.impact", "f-impact", "Impact level", select("f-impact", [["", "— none —"], ...IMPACTS.map((i) => [i, i] as [string, string])])),
    f("entities[0].properties.borderSection", "f-border_section", "Border section", inp("f-border_section", "text")),
    f("entities[0].properties.personsInvolved", "f-persons", "Persons involved", inp("f-persons", "text", { inputmode: "numeric" })),
    f("entities[1].properties.name", "f-person_name", "Person's name", inp("f-person_name", "text", { autocomplete: "off" })),
    f("roles[0].role", "f-person_role", "Person's role in this report", select("f-person_role", [["", "— none —"], ...["organizer", "recruiter", "driver", "boat_pilot", "money_collector", "document_forger", "safe_house_keeper", "facilitator", "smuggled_migrant", "victim", "victim_of_trafficking", "witness"].map((r) => [r, r.replace(/_/g, " ")] as [string, string])])),
    f("narrative", "f-narrative", "Narrative", h("textarea", { id: "f-narrative", name: "f-narrative", rows: "3" })),
  ];
  const summary = h("div", { class: "form-summary", role: "alert", tabindex: "-1", hidden: true });
  const result = h("p", { class: "form-result", role: "status" });
  const rows = fields.map((fs) => {
    const err = h("p", { class: "field-error", id: `${fs.id}-error`, hidden: true });
    const help = fs.help ? h("p", { class: "help", id: `${fs.id}-help` }, fs.help) : null;
    fs.input.setAttribute("aria-describedby", [help ? `${fs.id}-help` : "", `${fs.id}-error`].filter(Boolean).join(" "));
    return h("div", { class: "field", "data-path": fs.path }, h("label", { for: fs.id }, fs.label), fs.input, help, err);
  });
  const val = (id: string) => (document.getElementById(id) as HTMLInputElement | null)?.value.trim() ?? "";
  const toIso = (v: string) => (v ? new Date(v).toISOString() : undefined);

  function clearErrors(): void {
    summary.hidden = true;
    summary.replaceChildren();
    for (const fs of fields) {
      fs.input.removeAttribute("aria-invalid");
      const e = document.getElementById(`${fs.id}-error`)!;
      e.hidden = true;
      e.textContent = "";
    }
  }

  /** The field an error path belongs to: the longest field path that prefixes it. */
  function fieldFor(path: string): FieldSpec | undefined {
    const p = path.replace(/\[\d+\]$/, "");
    if (p.startsWith("place.geometry")) return fields.find((x) => x.path === "place.geometry.lat");
    let best: FieldSpec | undefined;
    for (const fs of fields) {
      if ((p === fs.path || p.startsWith(fs.path + ".") || p.startsWith(fs.path + "[")) && (!best || fs.path.length > best.path.length)) best = fs;
    }
    if (!best && p.startsWith("entities[0]")) best = fields.find((x) => x.path === "entities[0].properties.eventType");
    if (!best && p.startsWith("entities[1]")) best = fields.find((x) => x.path === "entities[1].properties.name");
    if (!best && p === "handling_conditions") best = fields.find((x) => x.id === "f-handling_conditions");
    return best;
  }

  function showErrors(errors: FieldError[], title: string): void {
    const unplaced: FieldError[] = [];
    let firstInvalid: FieldSpec | undefined;
    for (const e of errors) {
      const fs = fieldFor(e.field);
      if (!fs) {
        unplaced.push(e);
        continue;
      }
      firstInvalid ??= fs;
      fs.input.setAttribute("aria-invalid", "true");
      const el = document.getElementById(`${fs.id}-error`)!;
      el.hidden = false;
      el.textContent = (el.textContent ? el.textContent + " " : "") + `${e.message} (${e.rule})`;
    }
    summary.hidden = false;
    summary.replaceChildren(
      h("strong", {}, title),
      h("ul", {}, ...errors.map((e) => h("li", {}, `${e.field || "report"}: ${e.message}`))),
    );
    if (firstInvalid) firstInvalid.input.focus();
    else summary.focus();
    void unplaced;
  }

  function build(): { report: Record<string, unknown>; local: FieldError[] } {
    const local: FieldError[] = [];
    const report: Record<string, unknown> = {
      agency,
      report_type: val("f-report_type"),
      reported_at: toIso(val("f-reported_at")) ?? "",
      handling: val("f-handling"),
      tlp: val("f-tlp"),
      classification: val("f-classification"),
    };
    const opt = (k: string, v: string | undefined) => {
      if (v) report[k] = v;
    };
    opt("observed_at", toIso(val("f-observed_at")));
    opt("source_ref", val("f-source_ref"));
    opt("grading", val("f-grading"));
    opt("handling_conditions", val("f-handling_conditions"));
    opt("narrative", val("f-narrative"));
    const latS = val("f-lat");
    const lonS = val("f-lon");
    const place: Record<string, unknown> = {};
    if (val("f-place_name")) place.name = val("f-place_name");
    if (val("f-place_country")) place.country = val("f-place_country").toLowerCase();
    if (latS || lonS) {
      const lat = Number(latS.replace(",", "."));
      const lon = Number(lonS.replace(",", "."));
      if (!latS || !Number.isFinite(lat)) local.push({ field: "place.geometry.lat", rule: "number", message: "enter the latitude as a decimal number" });
      if (!lonS || !Number.isFinite(lon)) local.push({ field: "place.geometry.lon", rule: "number", message: "enter the longitude as a decimal number" });
      place.geometry = { type: "Point", coordinates: [lon, lat] };
    }
    if (Object.keys(place).length) report.place = place;
    const entities: unknown[] = [];
    const evType = val("f-event_type");
    const be: Record<string, string[]> = {};
    if (evType) be.eventType = [evType];
    if (val("f-impact")) be.impact = [val("f-impact")];
    if (val("f-border_section")) be.borderSection = [val("f-border_section")];
    if (val("f-persons")) be.personsInvolved = [val("f-persons")];
    // Keep the event at index 0 and the person at 1, so error paths map onto the fields.
    entities.push(Object.keys(be).length ? { key: "event", schema: "BorderEvent", properties: be } : null);
    if (val("f-person_name")) {
      entities.push({ key: "person", schema: "Person", properties: { name: [val("f-person_name")] } });
      if (val("f-person_role")) report.roles = [{ entity: "person", role: val("f-person_role") }];
    } else if (val("f-person_role")) {
      local.push({ field: "entities[1].properties.name", rule: "required", message: "a role needs the person's name" });
    }
    if (entities[0] === null && entities.length > 1) entities[0] = { key: "event", schema: "BorderEvent", properties: { eventType: ["other"] } };
    const ents = entities.filter(Boolean);
    if (ents.length) report.entities = ents;
    if (!report.reported_at) local.push({ field: "reported_at", rule: "required", message: "when the report was made is required" });
    return { report, local };
  }

  const submit = h("button", { type: "submit", class: "primary" }, "Submit report");
  const form = h(
    "form",
    {
      class: "report-form",
      novalidate: true,
      "aria-labelledby": "form-title",
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        clearErrors();
        result.textContent = "";
        const { report, local } = build();
        if (local.length) {
          showErrors(local, "Please correct the highlighted fields.");
          return;
        }
        submit.disabled = true;
        try {
          const r = await api.submit(report);
          result.textContent = r.result === "duplicate" ? `Already stored: ${r.id}` : `Report stored: ${r.id}`;
          onSubmitted(r.id);
        } catch (e) {
          if (e instanceof ApiError) showErrors(e.problem.errors ?? [], e.problem.detail ?? e.problem.title);
          else showErrors([], String(e));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h2", { id: "form-title" }, "New report"),
    h("p", {}, `Submitted for your agency (${agency}). Fields marked with an error show the rule broken.`),
    summary,
    h("div", { class: "form-grid" }, ...rows),
    h("div", { class: "form-actions" }, submit, result),
  );
  return form;
}
