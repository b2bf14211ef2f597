// The Mosaic HTTP API as the browser app uses it (crates/mosaic-server, /api/v1).
// Session cookie + CSRF token echoed in X-CSRF-Token on unsafe methods; errors are
// RFC 9457 problem documents.

import { purposeHeader } from "./purpose";

export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }
}

export interface UserView {
  id: string;
  username: string;
  display_name: string;
  agency: string;
  roles: string[];
  clearance: string;
}

export interface Me {
  auth: string;
  agency: string;
  actions: string[];
  user?: UserView;
  csrf_token?: string;
}

export interface Agency {
  id: string;
  name: string;
  kind: string;
  country: string;
}

export type Geometry =
  | { type: "Point"; coordinates: [number, number] }
  | { type: "LineString"; coordinates: [number, number][] }
  | { type: "Polygon"; coordinates: [number, number][][] };

export interface EntityMention {
  key: string;
  id?: string;
  schema: string;
  properties: Record<string, string[]>;
}

export interface Report {
  id: string;
  agency: string;
  report_type: string;
  author?: string;
  source_ref?: string;
  reported_at: string;
  observed_at?: string;
  observed_until?: string;
  grading?: string;
  handling: string;
  handling_conditions?: string;
  tlp: string;
  classification: string;
  purpose?: string;
  legal_basis?: string;
  language?: string;
  narrative?: string;
  place?: { name?: string; country?: string; geometry?: Geometry };
  entities?: EntityMention[];
  roles?: { entity: string; role: string }[];
}

export interface ReportView {
  report: Report;
  version: number;
  content_hash: string;
  stored_at: string;
}

export interface StatementView {
  prop: string;
  value: string;
  is_ref: boolean;
  report_id: string;
  report_version: number;
  agency: string;
  handling: string;
  tlp: string;
  classification: string;
  grading?: string;
  reported_at: string;
  observed_at?: string;
}

export interface EntityView {
  id: string;
  schema: string;
  properties: Record<string, string[]>;
  statements: StatementView[];
}

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

let csrf: string | undefined;

export function setCsrf(token: string | undefined): void {
  csrf = token;
}

async function request<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = contentType;
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const purpose = purposeHeader();
  if (purpose) headers["X-Mosaic-Purpose"] = purpose;
  const resp = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : contentType === "application/json" ? JSON.stringify(body) : String(body),
    credentials: "same-origin",
  });
  if (resp.status === 204) return undefined as T;
  const text = await resp.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!resp.ok) {
    const p =
      json && typeof json === "object" && "title" in json
        ? (json as Problem)
        : { type: "about:blank", title: resp.statusText || "Request failed", status: resp.status };
    throw new ApiError(resp.status, p);
  }
  return json as T;
}

/** A resolved entity (GET /api/v1/entities/{id}/resolution): which mentions were joined, and why. */
export interface ResolutionView {
  entity_id: string;
  records: number;
  cluster: {
    id: string;
    members: { entity_id: string; schema: string; mentions: { report: string; agency: string; source_ref?: string | null; key: string }[]; names: string[]; keys: string[] }[];
    links: {
      left: string;
      right: string;
      probability: number;
      features: { feature: string; level: string; weight: number; left: string; right: string }[];
      rule?: unknown;
      judgement?: { verdict: string; reason?: string | null } | null;
      corroborated?: { links: number; probability_sum: number } | null;
    }[];
  };
}

export interface SearchHit {
  kind: "report" | "entity";
  score: number;
  report_id: string;
  entity_id?: string;
  schema?: string;
  agency: string;
  title: string;
  snippet: string;
  highlights: string[];
  time: string;
}

export interface SearchPage {
  total: number;
  hits: SearchHit[];
  next_offset?: number;
}

export interface SearchParams {
  q: string;
  from?: string;
  until?: string;
  bbox?: string;
  agency?: string;
  schema?: string;
  kind?: string;
  offset?: number;
  limit?: number;
}

export interface Reject {
  line: number;
  field: string;
  rule: string;
  message: string;
  raw: string;
}

export interface ImportJob {
  id: string;
  state: "running" | "finished" | "failed";
  file_name: string;
  bytes_total: number;
  bytes_done: number;
  records_done: number;
  statements: number;
  summary?: { records?: number; rejected?: number; already_imported?: boolean; outcome?: { inserted: number; new_versions: number; duplicates: number; statements: number } };
  error?: string;
  rejects?: Reject[];
  rejects_truncated?: boolean;
}

/** Uploads a JSON Lines file for import (XMLHttpRequest: fetch reports no upload progress). */
export function uploadImport(file: File, onProgress: (sent: number, total: number) => void, mapping?: string): Promise<ImportJob> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const q = new URLSearchParams({ file_name: file.name });
    if (mapping) q.set("mapping", mapping);
    xhr.open("POST", `/api/v1/imports?${q}`);
    xhr.setRequestHeader("Content-Type", mapping ? "text/csv" : "application/x-ndjson");
    xhr.setRequestHeader("Accept", "application/json");
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () => reject(new ApiError(0, { type: "about:blank", title: "The upload failed (network)", status: 0 }));
    xhr.onload = () => {
      let json: unknown;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        json = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(json as ImportJob);
      else {
        const p = json && typeof json === "object" && "title" in json ? (json as Problem) : { type: "about:blank", title: xhr.statusText || "Upload refused", status: xhr.status };
        reject(new ApiError(xhr.status, p));
      }
    };
    xhr.send(file);
  });
}

export const api = {
  login: (username: string, password: string, totp?: string) =>
    request<{ user: UserView; csrf_token: string }>("POST", "/api/v1/auth/login", {
      username,
      password,
      totp: totp || undefined,
    }),
  logout: () => request<void>("POST", "/api/v1/auth/logout"),
  me: () => request<Me>("GET", "/api/v1/auth/me"),
  agencies: () => request<Page<Agency>>("GET", "/api/v1/agencies?limit=1000"),
  reports: (q: { from?: string; until?: string; bbox?: string; agency?: string; cursor?: string; limit?: number }) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") p.set(k, String(v));
    return request<Page<ReportView>>("GET", `/api/v1/reports?${p}`);
  },
  report: (id: string) => request<ReportView>("GET", `/api/v1/reports/${encodeURIComponent(id)}`),
  entity: (id: string) => request<EntityView>("GET", `/api/v1/entities/${encodeURIComponent(id)}`),
  resolution: (id: string) => request<ResolutionView>("GET", `/api/v1/entities/${encodeURIComponent(id)}/resolution`),
  search: (q: SearchParams) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") p.set(k, String(v));
    return request<SearchPage>("GET", `/api/v1/search?${p}`);
  },
  importJob: (id: string) => request<ImportJob>("GET", `/api/v1/imports/${encodeURIComponent(id)}`),
  /** Uploads a CSV mapping file (TOML); its id names it when uploading the CSV. */
  uploadMapping: (toml: string) => request<{ id: string; agency: string }>("POST", "/api/v1/imports/mappings", toml, "text/plain"),
  submit: (report: unknown) =>
    request<{ id: string; result: string; statements: number }>("POST", "/api/v1/reports", report),
};

// ---- entity ids --------------------------------------------------------------------------

function u64le(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

const idCache = new Map<string, string>();

/** The id of an entity mention, as the server derives it (mosaic_model::Report::entity_id):
 * the mention's own `id`, else `<centre>:ent:` + 128 bits of SHA-256 over the
 * length-prefixed report id and key. */
export async function entityIdOf(reportId: string, m: EntityMention): Promise<string> {
  if (m.id) return m.id;
  const k = `${reportId}\u0000${m.key}`;
  const hit = idCache.get(k);
  if (hit) return hit;
  const enc = new TextEncoder();
  const parts = [reportId, m.key].flatMap((p) => {
    const bytes = enc.encode(p);
    return [u64le(bytes.length), bytes];
  });
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  const hex = Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  const id = `${reportId.split(":")[0]}:ent:${hex}`;
  idCache.set(k, id);
  return id;
}
