// Import screen (#/import): upload a JSON Lines file of the agency's reports, or a CSV file
// with its mapping (uploaded first, to /api/v1/imports/mappings), to /api/v1/imports,
// with a progress bar (upload, then the import job's bytes processed) and,
// once finished, the summary and the rejects report (line, field, rule, message).

import { api, ApiError, uploadImport, type ImportJob, type Reject } from "./api";
import { h } from "./ui";

const POLL_MS = 400;

function rejectsTable(rejects: Reject[], truncated: boolean): HTMLElement {
  return h(
    "table",
    { class: "rejects", id: "import-rejects" },
    h("caption", {}, `Rejected lines (${rejects.length}${truncated ? "+, first 1000 shown" : ""}): fix them and upload the file again — lines already stored are not stored twice.`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Line"), h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Rule"), h("th", { scope: "col" }, "Message"))),
    h(
      "tbody",
      {},
      ...rejects.map((r) => h("tr", { "data-line": String(r.line) }, h("td", {}, String(r.line)), h("td", { class: "mono" }, r.field || "—"), h("td", { class: "mono" }, r.rule), h("td", {}, r.message))),
    ),
  );
}

/** The import screen. `onImported` runs once a job finished (to refresh the map). */
export function importView(onImported: () => void): HTMLElement {
  const file = h("input", { type: "file", id: "import-file", name: "file", accept: ".jsonl,.ndjson,.csv,.tsv,.txt,application/x-ndjson,text/csv", required: true });
  const mappingFile = h("input", { type: "file", id: "import-mapping", name: "mapping", accept: ".toml,application/toml" });
  const isCsv = (name: string) => /\.(csv|tsv|txt)$/i.test(name);
  const mappingRow = h(
    "div",
    { class: "field", hidden: true },
    h("label", { for: "import-mapping" }, "Mapping (for CSV)"),
    mappingFile,
    h("p", { class: "help small" }, "The TOML file that says which column is which (docs/import.md)."),
  );
  file.addEventListener("change", () => {
    const csv = isCsv(file.files?.[0]?.name ?? "");
    mappingRow.hidden = !csv;
    mappingFile.required = csv;
  });
  const bar = h("progress", { id: "import-progress", max: "100", value: "0", "aria-labelledby": "import-progress-label" });
  const barLabel = h("span", { id: "import-progress-label" }, "Progress");
  const phase = h("p", { id: "import-status", role: "status" });
  const out = h("div", { id: "import-result" });
  const submit = h("button", { type: "submit", class: "primary" }, "Upload and import");
  const progressRow = h("div", { class: "import-progress", hidden: true }, barLabel, bar, phase);
  const set = (pct: number, text: string) => {
    bar.value = Math.max(0, Math.min(100, pct));
    bar.setAttribute("aria-valuetext", `${Math.round(bar.value)}%`);
    phase.textContent = text;
  };
  const finish = (job: ImportJob) => {
    const s = job.summary ?? {};
    const rejected = Number(s.rejected ?? job.rejects?.length ?? 0);
    out.replaceChildren(
      ...[
      h("h2", {}, job.state === "finished" ? "Import finished" : "Import failed"),
      job.error ? h("p", { role: "alert", class: "field-error" }, job.error) : null,
      job.state === "finished"
        ? h(
            "dl",
            { class: "provenance import-summary", id: "import-summary" },
            h("dt", {}, "File"),
            h("dd", {}, job.file_name),
            h("dt", {}, "Lines read"),
            h("dd", {}, String(s.records ?? job.records_done)),
            h("dt", {}, "New reports"),
            h("dd", { id: "import-inserted" }, String(s.outcome?.inserted ?? 0)),
            h("dt", {}, "New versions"),
            h("dd", {}, String(s.outcome?.new_versions ?? 0)),
            h("dt", {}, "Already stored"),
            h("dd", {}, String(s.outcome?.duplicates ?? 0)),
            h("dt", {}, "Rejected"),
            h("dd", { id: "import-rejected" }, String(rejected)),
          )
        : null,
      job.rejects?.length ? rejectsTable(job.rejects, !!job.rejects_truncated) : job.state === "finished" ? h("p", {}, "No line was rejected.") : null,
      ].filter((x): x is HTMLElement => x !== null),
    );
  };
  const form = h(
    "form",
    {
      class: "import-form",
      "aria-labelledby": "import-title",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const f = file.files?.[0];
        if (!f) return;
        submit.disabled = true;
        out.replaceChildren();
        progressRow.hidden = false;
        set(0, `Uploading ${f.name}…`);
        try {
          // A CSV file's mapping goes first: checked by the server, named by its id.
          let mapping: string | undefined;
          if (isCsv(f.name)) {
            const mf = mappingFile.files?.[0];
            if (!mf) throw new ApiError(422, { type: "about:blank", title: "A CSV file needs its mapping file", status: 422, detail: "Choose the mapping (.toml) that says which column is which." });
            mapping = (await api.uploadMapping(await mf.text())).id;
          }
          // Upload is the first half of the bar, the import job the second.
          let job = await uploadImport(f, (sent, total) => set((sent / Math.max(1, total)) * 50, `Uploading ${f.name}: ${Math.round((sent / Math.max(1, total)) * 100)}%`), mapping);
          while (job.state === "running") {
            set(50 + (job.bytes_done / Math.max(1, job.bytes_total)) * 50, `Importing: ${job.records_done.toLocaleString("en")} lines processed`);
            await new Promise((r) => setTimeout(r, POLL_MS));
            job = await api.importJob(job.id);
          }
          set(100, job.state === "finished" ? "Import finished." : "Import failed.");
          finish(job);
          if (job.state === "finished") onImported();
        } catch (x) {
          set(0, "Upload refused.");
          const p = x instanceof ApiError ? x.problem : undefined;
          out.replaceChildren(
            ...[
            h("h2", {}, "Upload refused"),
            h("p", { role: "alert", class: "field-error" }, p ? (p.detail ?? p.title) : String(x)),
            p?.errors?.length ? rejectsTable(p.errors.map((e) => ({ line: Number(/lines\[(\d+)\]/.exec(e.field)?.[1] ?? 0), field: e.field, rule: e.rule, message: e.message, raw: "" })), false) : null,
            ].filter((x): x is HTMLElement => x !== null),
          );
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h1", { id: "import-title" }, "Import reports"),
    h(
      "p",
      { class: "help" },
      "A JSON Lines file (.jsonl): one report per line in Mosaic's report format, all of your agency; or a CSV file with its mapping file. Good lines are stored; bad lines are listed below with their line, field and rule. Uploading the same file again adds nothing twice.",
    ),
    h("div", { class: "field" }, h("label", { for: "import-file" }, "File"), file),
    mappingRow,
    h("div", { class: "form-actions" }, submit),
    progressRow,
  );
  return h("section", { class: "import-screen" }, form, out);
}
