// The events of the situational picture, held in flat typed arrays so that 100,000 of them
// can be filtered and clustered every frame. One event per located report: its EUROSUR
// type comes from the report's BorderEvent entity (eventType) when it has one, otherwise
// from the report type.

import type { Report, ReportView } from "./api";

export const EVENT_TYPES = [
  "unauthorised_crossing",
  "risk_to_life",
  "cross_border_crime",
  "crisis_situation",
  "other",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_LABEL: Record<EventType, string> = {
  unauthorised_crossing: "Unauthorised border crossing",
  risk_to_life: "Incident with risk to life",
  cross_border_crime: "Cross-border crime",
  crisis_situation: "Crisis situation",
  other: "Other event",
};

// Colour-blind-safe palette (Okabe–Ito); each type also has its own marker shape.
export const EVENT_COLOUR: Record<EventType, string> = {
  unauthorised_crossing: "#0072B2",
  risk_to_life: "#D55E00",
  cross_border_crime: "#7B3294",
  crisis_situation: "#B8860B",
  other: "#4D4D4D",
};

export const IMPACTS = ["low", "medium", "high", "critical"] as const;
export type Impact = (typeof IMPACTS)[number];
export const IMPACT_COLOUR: Record<Impact, string> = {
  low: "#1A9641",
  medium: "#E6C200",
  high: "#F46D43",
  critical: "#C00000",
};

const REPORT_TYPE_EVENT: Record<string, EventType> = {
  interception: "unauthorised_crossing",
  incident_at_sea: "risk_to_life",
  arrest: "cross_border_crime",
  search: "cross_border_crime",
  suspicious_transaction: "cross_border_crime",
  port_intelligence: "cross_border_crime",
  labour_inspection: "cross_border_crime",
  intelligence: "cross_border_crime",
};

/** World coordinates: Web Mercator scaled to WORLD units across. */
export const WORLD = 65536;

export function project(lon: number, lat: number): [number, number] {
  const x = ((lon + 180) / 360) * WORLD;
  const phi = (Math.max(-85.05, Math.min(85.05, lat)) * Math.PI) / 180;
  const y = ((1 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / Math.PI) / 2) * WORLD;
  return [x, y];
}

export function unproject(x: number, y: number): [number, number] {
  const lon = (x / WORLD) * 360 - 180;
  const n = Math.PI - (2 * Math.PI * y) / WORLD;
  const lat = (180 / Math.PI) * Math.atan(Math.sinh(n));
  return [lon, lat];
}

export interface SectionImpact {
  name: string;
  impact: Impact;
  count: number;
  x: number;
  y: number;
}

export interface Route {
  reportId: string;
  points: [number, number][]; // world coordinates
}

/** A growable columnar store of events. */
export class EventStore {
  n = 0;
  x = new Float64Array(1024);
  y = new Float64Array(1024);
  t = new Float64Array(1024); // ms since epoch (observed, else reported)
  type = new Uint8Array(1024);
  agency = new Uint16Array(1024);
  impact = new Int8Array(1024); // -1 none, else index into IMPACTS
  reportIds: string[] = [];
  agencies: string[] = [];
  private agencyIndex = new Map<string, number>();
  private byReport = new Map<string, number>();
  readonly reports = new Map<string, ReportView>();
  readonly sections = new Map<string, { impact: number; count: number; sx: number; sy: number }>();
  readonly routes: Route[] = [];
  version = 0;

  private grow(): void {
    const cap = this.x.length * 2;
    const g = <T extends Float64Array | Uint8Array | Uint16Array | Int8Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap);
      b.set(a);
      return b;
    };
    this.x = g(this.x, Float64Array);
    this.y = g(this.y, Float64Array);
    this.t = g(this.t, Float64Array);
    this.type = g(this.type, Uint8Array);
    this.agency = g(this.agency, Uint16Array);
    this.impact = g(this.impact, Int8Array);
  }

  agencyId(a: string): number {
    let i = this.agencyIndex.get(a);
    if (i === undefined) {
      i = this.agencies.length;
      this.agencies.push(a);
      this.agencyIndex.set(a, i);
    }
    return i;
  }

  /** Adds a raw event (also used by the benchmark's synthetic data). */
  push(lon: number, lat: number, t: number, type: number, agency: string, impact: number, reportId: string): number {
    if (this.n === this.x.length) this.grow();
    const i = this.n++;
    const [x, y] = project(lon, lat);
    this.x[i] = x;
    this.y[i] = y;
    this.t[i] = t;
    this.type[i] = type;
    this.agency[i] = this.agencyId(agency);
    this.impact[i] = impact;
    this.reportIds[i] = reportId;
    this.version++;
    return i;
  }

  has(reportId: string): boolean {
    return this.reports.has(reportId);
  }

  /** Adds (or replaces, for a new version) the event of a report. Returns whether it is new. */
  addReport(v: ReportView): boolean {
    const r = v.report;
    const prev = this.reports.get(r.id);
    if (prev && prev.version >= v.version) return false;
    this.reports.set(r.id, v);
    const loc = locate(r);
    const info = eventInfo(r);
    if (info.section) {
      const s = this.sections.get(info.section) ?? { impact: -1, count: 0, sx: 0, sy: 0 };
      if (loc) {
        const [x, y] = project(loc[0], loc[1]);
        s.sx += x;
        s.sy += y;
        s.count++;
      }
      s.impact = Math.max(s.impact, info.impact);
      this.sections.set(info.section, s);
    }
    if (r.place?.geometry?.type === "LineString") {
      this.routes.push({ reportId: r.id, points: r.place.geometry.coordinates.map(([lo, la]) => project(lo, la)) });
    }
    if (!loc) return !prev;
    const t = Date.parse(r.observed_at ?? r.reported_at);
    const existing = this.byReport.get(r.id);
    if (existing !== undefined) {
      const [x, y] = project(loc[0], loc[1]);
      this.x[existing] = x;
      this.y[existing] = y;
      this.t[existing] = t;
      this.type[existing] = EVENT_TYPES.indexOf(info.type);
      this.impact[existing] = info.impact;
      this.version++;
      return false;
    }
    const i = this.push(loc[0], loc[1], t, EVENT_TYPES.indexOf(info.type), r.agency, info.impact, r.id);
    this.byReport.set(r.id, i);
    return !prev;
  }

  sectionList(): SectionImpact[] {
    return [...this.sections.entries()]
      .filter(([, s]) => s.impact >= 0 && s.count > 0)
      .map(([name, s]) => ({ name, impact: IMPACTS[s.impact], count: s.count, x: s.sx / s.count, y: s.sy / s.count }))
      .sort((a, b) => IMPACTS.indexOf(b.impact) - IMPACTS.indexOf(a.impact) || a.name.localeCompare(b.name));
  }

  timeRange(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < this.n; i++) {
      const t = this.t[i];
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    return this.n ? [lo, hi] : [Date.now() - 86400e3 * 30, Date.now()];
  }
}

/** A point for the report's place: the point, or the first vertex of a line or polygon. */
export function locate(r: Report): [number, number] | undefined {
  const g = r.place?.geometry;
  if (g) {
    if (g.type === "Point") return g.coordinates;
    if (g.type === "LineString") return g.coordinates[0];
    if (g.type === "Polygon") return g.coordinates[0]?.[0];
  }
  for (const e of r.entities ?? []) {
    if (e.schema === "BorderEvent" || e.schema === "Address") {
      const lat = Number(e.properties.latitude?.[0]);
      const lon = Number(e.properties.longitude?.[0]);
      if (Number.isFinite(lat) && Number.isFinite(lon) && e.properties.latitude) return [lon, lat];
    }
  }
  return undefined;
}

export function eventInfo(r: Report): { type: EventType; impact: number; section?: string } {
  const be = (r.entities ?? []).find((e) => e.schema === "BorderEvent");
  const et = be?.properties.eventType?.[0] as EventType | undefined;
  const type: EventType = et && EVENT_TYPES.includes(et) ? et : (REPORT_TYPE_EVENT[r.report_type] ?? "other");
  const imp = be?.properties.impact?.[0];
  const impact = imp ? IMPACTS.indexOf(imp as Impact) : -1;
  return { type, impact, section: be?.properties.borderSection?.[0] };
}

/** The indices of the events that pass the filters. */
export interface Filters {
  from: number; // ms, -Infinity for none
  until: number; // ms, +Infinity for none
  types: Set<number>;
  agencies: Set<string> | null; // null: all
  /** Events inside this box, in world coordinates [x0, y0, x1, y1]; null: anywhere. */
  area?: [number, number, number, number] | null;
  /** Events within `width` world units of this polyline (world coordinates); null: any. */
  route?: { points: [number, number][]; width: number } | null;
}

/** A lon/lat box [west, south, east, north] as a world box [x0, y0, x1, y1]. */
export function worldBox(w: number, s: number, e: number, n: number): [number, number, number, number] {
  const [x0, y1] = project(w, s);
  const [x1, y0] = project(e, n);
  return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
}

/** World units for `km` kilometres at latitude `lat` (Web Mercator scale). */
export function kmToWorld(km: number, lat: number): number {
  return ((km * 1000) / (40075016.686 * Math.cos((lat * Math.PI) / 180))) * WORLD;
}

/** Squared distance from (px, py) to the polyline. */
function dist2ToLine(px: number, py: number, pts: [number, number][]): number {
  let best = Infinity;
  for (let j = 0; j + 1 < pts.length; j++) {
    const [ax, ay] = pts[j];
    const [bx, by] = pts[j + 1];
    const dx = bx - ax;
    const dy = by - ay;
    const l2 = dx * dx + dy * dy;
    const t = l2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2)) : 0;
    const qx = ax + t * dx - px;
    const qy = ay + t * dy - py;
    best = Math.min(best, qx * qx + qy * qy);
  }
  if (pts.length === 1) best = (pts[0][0] - px) ** 2 + (pts[0][1] - py) ** 2;
  return best;
}

export function applyFilters(s: EventStore, f: Filters, ignoreTime = false): Uint32Array {
  const out = new Uint32Array(s.n);
  let k = 0;
  const allowedAgency = new Uint8Array(s.agencies.length);
  s.agencies.forEach((a, i) => {
    allowedAgency[i] = f.agencies === null || f.agencies.has(a) ? 1 : 0;
  });
  const allowedType = new Uint8Array(EVENT_TYPES.length);
  for (const t of f.types) allowedType[t] = 1;
  const lo = ignoreTime ? -Infinity : f.from;
  const hi = ignoreTime ? Infinity : f.until;
  const area = f.area ?? null;
  const route = f.route ?? null;
  const w2 = route ? route.width * route.width : 0;
  for (let i = 0; i < s.n; i++) {
    const t = s.t[i];
    if (t < lo || t >= hi) continue;
    if (!allowedType[s.type[i]] || !allowedAgency[s.agency[i]]) continue;
    if (area && (s.x[i] < area[0] || s.x[i] > area[2] || s.y[i] < area[1] || s.y[i] > area[3])) continue;
    if (route && dist2ToLine(s.x[i], s.y[i], route.points) > w2) continue;
    out[k++] = i;
  }
  return out.subarray(0, k);
}
