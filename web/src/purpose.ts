// The stated purpose of the user's work (`X-Mosaic-Purpose`): sent with every API
// request and recorded with it in the audit trail. The server refuses entity profiles
// and exports without one. Kept for the browser tab only (sessionStorage).

const KEY = "mosaic.purpose";
let purpose = sessionStorage.getItem(KEY) ?? "";

/** The header value, or undefined when no purpose is stated. */
export function purposeHeader(): string | undefined {
  const p = purpose.trim();
  if (!p) return undefined;
  const full = /^(case|task):/.test(p) ? p : `task:${p}`;
  // Header values are ASCII: the server percent-decodes anything else.
  return full.replace(/[^\x20-\x7e]|%/gu, (c) => encodeURIComponent(c));
}

/** The field in the header bar. */
export function purposeField(): HTMLElement {
  const label = document.createElement("label");
  label.className = "purpose";
  label.htmlFor = "purpose";
  label.textContent = "Purpose ";
  const input = document.createElement("input");
  input.id = "purpose";
  input.type = "text";
  // Styled here rather than in style.css, to keep the header bar's layout untouched.
  label.style.cssText = "display:flex;align-items:center;gap:6px;font-size:13px;white-space:nowrap";
  input.style.cssText = "width:14em;font-size:13px";
  input.value = purpose;
  input.placeholder = "case:<case id> or what you are doing";
  input.title =
    "Why you are looking: recorded with every request in the audit trail; needed to open entity profiles and to export";
  input.addEventListener("input", () => {
    purpose = input.value;
    sessionStorage.setItem(KEY, purpose);
  });
  label.append(input);
  return label;
}
