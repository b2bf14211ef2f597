// The map: a Canvas 2D view in Web Mercator. The basemap (Natural Earth 1:50m country
// outlines from the world-atlas npm package) is projected once into Path2D objects in
// world coordinates and drawn under a transform, so panning and zooming never re-project.
// Events are clustered on a screen-space grid every frame.

import { geoMercator, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import countriesTopo from "world-atlas/countries-50m.json";
import {
  EVENT_COLOUR,
  EVENT_TYPES,
  IMPACT_COLOUR,
  WORLD,
  type EventStore,
  type SectionImpact,
  project,
} from "./events";

interface Country {
  path: Path2D;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

let basemap: Country[] | null = null;

function buildBasemap(): Country[] {
  const topo = countriesTopo as unknown as Topology<{ countries: GeometryCollection }>;
  const fc = feature(topo, topo.objects.countries);
  // d3's Mercator with scale WORLD/2π and translate WORLD/2 gives the same world
  // coordinates as events.project().
  const proj = geoMercator()
    .scale(WORLD / (2 * Math.PI))
    .translate([WORLD / 2, WORLD / 2])
    .precision(0);
  const out: Country[] = [];
  for (const f of fc.features) {
    const path = new Path2D();
    geoPath(proj, path as unknown as CanvasRenderingContext2D)(f);
    const [[x0, y0], [x1, y1]] = geoPath(proj).bounds(f);
    out.push({ path, x0, y0, x1, y1 });
  }
  return out;
}

export interface Cluster {
  x: number; // screen (css px)
  y: number;
  r: number;
  count: number;
  first: number; // an event index in it
  cell: number;
}

export interface Layers {
  events: boolean;
  operational: boolean;
  sections: boolean;
  routes: boolean;
}

const CELL = 44;

export class MapView {
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  k = 1; // css px per world unit
  tx = 0;
  ty = 0;
  private w = 0;
  private h = 0;
  private dpr = 1;
  private raf = 0;
  filtered: Uint32Array = new Uint32Array(0);
  clusters: Cluster[] = [];
  layers: Layers = { events: true, operational: true, sections: true, routes: true };
  ownAgency = -1;
  sections: SectionImpact[] = [];
  /** Frame durations (ms) of the last frames, for measurement. */
  readonly frameTimes: number[] = [];
  onClusterClick: (events: number[], c: Cluster) => void = () => {};
  onViewChange: () => void = () => {};
  /** The area filter's box (world coordinates), drawn as a frame; null: none. */
  area: [number, number, number, number] | null = null;
  /** The route filter's polyline (world coordinates), drawn highlighted; null: none. */
  selectedRoute: [number, number][] | null = null;
  /** While true, a drag draws an area instead of panning (then `onAreaDrawn`). */
  drawing = false;
  onAreaDrawn: (box: [number, number, number, number]) => void = () => {};
  private cellOf = new Int32Array(0);

  constructor(
    private host: HTMLElement,
    private store: EventStore,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "application");
    this.canvas.setAttribute(
      "aria-label",
      "Map of events. Arrow keys pan, plus and minus zoom, Enter opens the reports of the events at the centre.",
    );
    this.canvas.className = "map-canvas";
    host.appendChild(this.canvas);
    const ctx = this.canvas.getContext("2d", { alpha: false });
    if (!ctx) throw new Error("no 2D canvas");
    this.ctx = ctx;
    basemap ??= buildBasemap();
    new ResizeObserver(() => this.resize()).observe(host);
    this.resize();
    this.bindInput();
  }

  resize(): void {
    const r = this.host.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    this.w = Math.max(1, Math.floor(r.width));
    this.h = Math.max(1, Math.floor(r.height));
    this.canvas.width = Math.floor(this.w * this.dpr);
    this.canvas.height = Math.floor(this.h * this.dpr);
    this.canvas.style.width = `${this.w}px`;
    this.canvas.style.height = `${this.h}px`;
    this.invalidate();
    this.onViewChange();
  }

  /** Fits the view to a lon/lat box. */
  fit(lon0: number, lat0: number, lon1: number, lat1: number): void {
    const [x0, y1] = project(lon0, lat0);
    const [x1, y0] = project(lon1, lat1);
    const w = this.w || 800;
    const h = this.h || 600;
    this.k = Math.min(w / Math.max(1e-6, x1 - x0), h / Math.max(1e-6, y1 - y0)) * 0.9;
    this.tx = w / 2 - ((x0 + x1) / 2) * this.k;
    this.ty = h / 2 - ((y0 + y1) / 2) * this.k;
    this.invalidate();
  }

  zoomAt(factor: number, sx: number, sy: number): void {
    const k = Math.min(Math.max(this.k * factor, 0.002), 64);
    const f = k / this.k;
    this.tx = sx - (sx - this.tx) * f;
    this.ty = sy - (sy - this.ty) * f;
    this.k = k;
    this.invalidate();
    this.onViewChange();
  }

  panBy(dx: number, dy: number): void {
    this.tx += dx;
    this.ty += dy;
    this.invalidate();
    this.onViewChange();
  }

  /** The visible area as lon/lat: [west, south, east, north]. */
  viewBounds(): [number, number, number, number] {
    const x0 = -this.tx / this.k;
    const y0 = -this.ty / this.k;
    const x1 = (this.w - this.tx) / this.k;
    const y1 = (this.h - this.ty) / this.k;
    const lon = (x: number) => (x / WORLD) * 360 - 180;
    const lat = (y: number) => (180 / Math.PI) * Math.atan(Math.sinh(Math.PI - (2 * Math.PI * y) / WORLD));
    return [lon(x0), lat(y1), lon(x1), lat(y0)];
  }

  invalidate(): void {
    if (!this.raf) this.raf = requestAnimationFrame(() => this.draw());
  }

  private bindInput(): void {
    const c = this.canvas;
    let drag: { x: number; y: number; moved: boolean } | null = null;
    let draw: { x0: number; y0: number } | null = null;
    const world = (e: PointerEvent): [number, number] => {
      const r = c.getBoundingClientRect();
      return [(e.clientX - r.left - this.tx) / this.k, (e.clientY - r.top - this.ty) / this.k];
    };
    c.addEventListener("pointerdown", (e) => {
      c.setPointerCapture(e.pointerId);
      if (this.drawing) {
        const [x, y] = world(e);
        draw = { x0: x, y0: y };
        return;
      }
      drag = { x: e.clientX, y: e.clientY, moved: false };
    });
    c.addEventListener("pointermove", (e) => {
      if (draw) {
        const [x, y] = world(e);
        this.area = [Math.min(draw.x0, x), Math.min(draw.y0, y), Math.max(draw.x0, x), Math.max(draw.y0, y)];
        this.invalidate();
        return;
      }
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        this.panBy(dx, dy);
        drag.x = e.clientX;
        drag.y = e.clientY;
      }
    });
    c.addEventListener("pointerup", (e) => {
      if (draw) {
        const [x, y] = world(e);
        const box: [number, number, number, number] = [Math.min(draw.x0, x), Math.min(draw.y0, y), Math.max(draw.x0, x), Math.max(draw.y0, y)];
        draw = null;
        this.drawing = false;
        c.style.cursor = "";
        // A click without a drag draws nothing.
        if ((box[2] - box[0]) * this.k > 4 && (box[3] - box[1]) * this.k > 4) this.onAreaDrawn(box);
        else this.area = null;
        this.invalidate();
        return;
      }
      const d = drag;
      drag = null;
      if (d && !d.moved) {
        const r = c.getBoundingClientRect();
        this.clickAt(e.clientX - r.left, e.clientY - r.top);
      }
    });
    c.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const r = c.getBoundingClientRect();
        this.zoomAt(Math.pow(2, -e.deltaY / 300), e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );
    c.addEventListener("dblclick", (e) => {
      const r = c.getBoundingClientRect();
      this.zoomAt(2, e.clientX - r.left, e.clientY - r.top);
    });
    c.addEventListener("keydown", (e) => {
      const step = 80;
      switch (e.key) {
        case "ArrowLeft":
          this.panBy(step, 0);
          break;
        case "ArrowRight":
          this.panBy(-step, 0);
          break;
        case "ArrowUp":
          this.panBy(0, step);
          break;
        case "ArrowDown":
          this.panBy(0, -step);
          break;
        case "+":
        case "=":
          this.zoomAt(1.5, this.w / 2, this.h / 2);
          break;
        case "-":
          this.zoomAt(1 / 1.5, this.w / 2, this.h / 2);
          break;
        case "Enter":
          this.clickAt(this.w / 2, this.h / 2, true);
          break;
        default:
          return;
      }
      e.preventDefault();
    });
  }

  /** The cluster nearest to a screen point (within its radius, or `loose` px). */
  clusterAt(sx: number, sy: number, loose = false): Cluster | undefined {
    let best: Cluster | undefined;
    let bd = Infinity;
    for (const c of this.clusters) {
      const d = Math.hypot(c.x - sx, c.y - sy);
      if (d <= (loose ? Math.max(c.r + 6, CELL) : c.r + 4) && d < bd) {
        bd = d;
        best = c;
      }
    }
    return best;
  }

  eventsIn(c: Cluster): number[] {
    const out: number[] = [];
    const f = this.filtered;
    for (let j = 0; j < f.length; j++) if (this.cellOf[j] === c.cell) out.push(f[j]);
    return out;
  }

  clickAt(sx: number, sy: number, loose = false): void {
    const c = this.clusterAt(sx, sy, loose);
    if (!c) return;
    const events = this.eventsIn(c);
    if (events.length > 25 && this.k < 60) {
      this.zoomAt(2.5, c.x, c.y);
      return;
    }
    this.onClusterClick(events, c);
  }

  /** Screen position of a world point. */
  toScreen(x: number, y: number): [number, number] {
    return [x * this.k + this.tx, y * this.k + this.ty];
  }

  draw(): void {
    this.raf = 0;
    const t0 = performance.now();
    const { ctx, dpr, k, tx, ty, w, h } = this;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#C9DCEA"; // sea
    ctx.fillRect(0, 0, w, h);
    // Basemap.
    const vx0 = -tx / k;
    const vy0 = -ty / k;
    const vx1 = (w - tx) / k;
    const vy1 = (h - ty) / k;
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * tx, dpr * ty);
    ctx.fillStyle = "#F3F1EA";
    ctx.strokeStyle = "#8C8C8C";
    ctx.lineWidth = 0.8 / k;
    ctx.lineJoin = "round";
    for (const c of basemap ?? []) {
      if (c.x1 < vx0 || c.x0 > vx1 || c.y1 < vy0 || c.y0 > vy1) continue;
      ctx.fill(c.path);
      ctx.stroke(c.path);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);

    // Analysis layer: routes.
    if (this.layers.routes) {
      ctx.strokeStyle = "rgba(40,40,120,0.55)";
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      for (const r of this.store.routes.slice(0, 5000)) {
        ctx.beginPath();
        r.points.forEach(([x, y], i) => {
          const sx = x * k + tx;
          const sy = y * k + ty;
          if (i) ctx.lineTo(sx, sy);
          else ctx.moveTo(sx, sy);
        });
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    if (this.selectedRoute) {
      ctx.strokeStyle = "#102a43";
      ctx.lineWidth = 5;
      ctx.beginPath();
      this.selectedRoute.forEach(([x, y], i) => {
        if (i) ctx.lineTo(x * k + tx, y * k + ty);
        else ctx.moveTo(x * k + tx, y * k + ty);
      });
      ctx.stroke();
    }
    if (this.area) {
      const [x0, y0, x1, y1] = this.area;
      ctx.strokeStyle = "#102a43";
      ctx.lineWidth = 2;
      ctx.setLineDash([8, 4]);
      ctx.strokeRect(x0 * k + tx, y0 * k + ty, (x1 - x0) * k, (y1 - y0) * k);
      ctx.setLineDash([]);
    }
    // Analysis layer: border sections with their impact level.
    if (this.layers.sections) {
      ctx.font = "600 12px system-ui, sans-serif";
      const placed: [number, number, number, number][] = [];
      for (const s of this.sections) {
        const sx = s.x * k + tx;
        const sy = s.y * k + ty;
        if (sx < -60 || sy < -60 || sx > w + 60 || sy > h + 60) continue;
        ctx.beginPath();
        ctx.arc(sx, sy, 30, 0, Math.PI * 2);
        ctx.fillStyle = IMPACT_COLOUR[s.impact] + "40";
        ctx.fill();
        ctx.lineWidth = 4;
        ctx.strokeStyle = IMPACT_COLOUR[s.impact];
        ctx.stroke();
        const label = `${s.name}: ${s.impact.toUpperCase()}`;
        const tw = ctx.measureText(label).width;
        const box: [number, number, number, number] = [sx - tw / 2 - 4, sy - 48, tw + 8, 17];
        // Labels that would overlap one already drawn are left out (the side list has all).
        if (placed.some(([x, y, w2, h2]) => box[0] < x + w2 && x < box[0] + box[2] && box[1] < y + h2 && y < box[1] + box[3])) continue;
        placed.push(box);
        ctx.fillStyle = "rgba(255,255,255,0.92)";
        ctx.fillRect(sx - tw / 2 - 4, sy - 48, tw + 8, 17);
        ctx.fillStyle = "#111";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(label, sx, sy - 39);
      }
    }
    // Events layer, clustered on a screen grid.
    this.clusters = [];
    if (this.layers.events) this.drawEvents();
    const dt = performance.now() - t0;
    this.frameTimes.push(dt);
    if (this.frameTimes.length > 600) this.frameTimes.shift();
  }

  private drawEvents(): void {
    const { ctx, k, tx, ty, w, h } = this;
    const s = this.store;
    const f = this.filtered;
    const cols = Math.ceil(w / CELL) + 1;
    const rows = Math.ceil(h / CELL) + 1;
    const ncell = cols * rows;
    const nt = EVENT_TYPES.length;
    const count = new Uint32Array(ncell);
    const byType = new Uint32Array(ncell * nt);
    const sumX = new Float64Array(ncell);
    const sumY = new Float64Array(ncell);
    const first = new Int32Array(ncell).fill(-1);
    const own = new Uint32Array(ncell);
    if (this.cellOf.length < f.length) this.cellOf = new Int32Array(Math.max(f.length, 1024));
    const cellOf = this.cellOf;
    const xs = s.x;
    const ys = s.y;
    const types = s.type;
    const ag = s.agency;
    const ownA = this.layers.operational ? this.ownAgency : -2;
    for (let j = 0; j < f.length; j++) {
      const i = f[j];
      const sx = xs[i] * k + tx;
      const sy = ys[i] * k + ty;
      if (sx < 0 || sy < 0 || sx >= w || sy >= h) {
        cellOf[j] = -1;
        continue;
      }
      const c = ((sy / CELL) | 0) * cols + ((sx / CELL) | 0);
      cellOf[j] = c;
      count[c]++;
      byType[c * nt + types[i]]++;
      sumX[c] += sx;
      sumY[c] += sy;
      if (first[c] < 0) first[c] = i;
      if (ag[i] === ownA) own[c]++;
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let c = 0; c < ncell; c++) {
      const n = count[c];
      if (!n) continue;
      let best = 0;
      for (let t = 1; t < nt; t++) if (byType[c * nt + t] > byType[c * nt + best]) best = t;
      const colour = EVENT_COLOUR[EVENT_TYPES[best]];
      let x: number;
      let y: number;
      let r: number;
      if (n === 1) {
        const i = first[c];
        x = xs[i] * k + tx;
        y = ys[i] * k + ty;
        r = 7;
        marker(ctx, types[i], x, y, r, colour);
      } else {
        x = sumX[c] / n;
        y = sumY[c] / n;
        r = Math.min(26, 10 + Math.log2(n) * 2.2);
        ctx.beginPath();
        ctx.arc(x, y, r, 0, Math.PI * 2);
        ctx.fillStyle = colour;
        ctx.fill();
        ctx.lineWidth = 2;
        ctx.strokeStyle = "#fff";
        ctx.stroke();
        ctx.fillStyle = "#fff";
        ctx.font = "700 11px system-ui, sans-serif";
        ctx.fillText(n >= 10000 ? `${Math.round(n / 1000)}k` : String(n), x, y);
      }
      if (own[c]) {
        // Operational layer: material of the user's own agency is ringed.
        ctx.beginPath();
        ctx.arc(x, y, r + 4, 0, Math.PI * 2);
        ctx.lineWidth = 2;
        ctx.strokeStyle = "#000";
        ctx.stroke();
      }
      this.clusters.push({ x, y, r, count: n, first: first[c], cell: c });
    }
  }
}

/** One marker shape per event type, so colour is never the only cue. */
export function marker(ctx: CanvasRenderingContext2D, type: number, x: number, y: number, r: number, colour: string): void {
  ctx.beginPath();
  switch (type) {
    case 0: // crossing: circle
      ctx.arc(x, y, r, 0, Math.PI * 2);
      break;
    case 1: // risk to life: triangle
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.1, y + r * 0.8);
      ctx.lineTo(x - r * 1.1, y + r * 0.8);
      ctx.closePath();
      break;
    case 2: // crime: square
      ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      break;
    case 3: // crisis: diamond
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.2, y);
      ctx.lineTo(x, y + r * 1.2);
      ctx.lineTo(x - r * 1.2, y);
      ctx.closePath();
      break;
    default: // other: hexagon
      for (let a = 0; a < 6; a++) {
        const ang = (Math.PI / 3) * a;
        const px = x + r * Math.cos(ang);
        const py = y + r * Math.sin(ang);
        if (a) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
      }
      ctx.closePath();
  }
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "#fff";
  ctx.stroke();
}
