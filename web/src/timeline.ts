// The timeline: a histogram of the events that pass every filter but time, with a brush
// (drag to select a window; the time inputs beside it are the keyboard equivalent).

import type { EventStore } from "./events";

export class Timeline {
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  range: [number, number] = [0, 1];
  brush: [number, number] | null = null;
  private counts = new Uint32Array(0);
  onBrush: (b: [number, number] | null) => void = () => {};
  private w = 0;
  private h = 0;

  constructor(host: HTMLElement) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "timeline-canvas";
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", "Events over time; drag to select a time window (or use the From and Until fields)");
    host.appendChild(this.canvas);
    const ctx = this.canvas.getContext("2d");
    if (!ctx) throw new Error("no 2D canvas");
    this.ctx = ctx;
    new ResizeObserver(() => this.resize()).observe(host);
    this.bind();
  }

  private resize(): void {
    const r = this.canvas.parentElement!.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.w = Math.max(1, Math.floor(r.width));
    this.h = 64;
    this.canvas.width = this.w * dpr;
    this.canvas.height = this.h * dpr;
    this.canvas.style.width = `${this.w}px`;
    this.canvas.style.height = `${this.h}px`;
    this.draw();
  }

  update(store: EventStore, idx: Uint32Array): void {
    const [lo, hi0] = store.timeRange();
    const hi = Math.max(hi0, lo + 3600e3);
    const pad = (hi - lo) * 0.02;
    this.range = [lo - pad, hi + pad];
    const bins = Math.max(10, Math.min(200, Math.floor(this.w / 5) || 120));
    const counts = new Uint32Array(bins);
    const span = this.range[1] - this.range[0];
    const t = store.t;
    for (let j = 0; j < idx.length; j++) {
      const b = Math.floor(((t[idx[j]] - this.range[0]) / span) * bins);
      counts[Math.min(bins - 1, Math.max(0, b))]++;
    }
    this.counts = counts;
    this.draw();
  }

  private xOf(t: number): number {
    return ((t - this.range[0]) / (this.range[1] - this.range[0])) * this.w;
  }

  private tOf(x: number): number {
    return this.range[0] + (x / this.w) * (this.range[1] - this.range[0]);
  }

  draw(): void {
    const { ctx, w, h } = this;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    const n = this.counts.length;
    let max = 1;
    for (const c of this.counts) max = Math.max(max, c);
    const bw = w / Math.max(1, n);
    const b0 = this.brush ? this.xOf(this.brush[0]) : -1;
    const b1 = this.brush ? this.xOf(this.brush[1]) : -1;
    for (let i = 0; i < n; i++) {
      const bh = (this.counts[i] / max) * (h - 20);
      const x = i * bw;
      const inBrush = !this.brush || (x + bw > b0 && x < b1);
      ctx.fillStyle = inBrush ? "#1F4E79" : "#A8B8C8";
      ctx.fillRect(x + 0.5, h - 16 - bh, Math.max(1, bw - 1), bh);
    }
    if (this.brush) {
      ctx.fillStyle = "rgba(31,78,121,0.12)";
      ctx.fillRect(b0, 0, b1 - b0, h - 16);
      ctx.strokeStyle = "#1F4E79";
      ctx.lineWidth = 2;
      ctx.strokeRect(b0, 1, b1 - b0, h - 18);
    }
    ctx.fillStyle = "#333";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "bottom";
    ctx.textAlign = "left";
    ctx.fillText(new Date(this.range[0]).toISOString().slice(0, 10), 2, h);
    ctx.textAlign = "right";
    ctx.fillText(new Date(this.range[1]).toISOString().slice(0, 10), w - 2, h);
  }

  private bind(): void {
    const c = this.canvas;
    let start: number | null = null;
    const x = (e: PointerEvent) => e.clientX - c.getBoundingClientRect().left;
    c.addEventListener("pointerdown", (e) => {
      start = x(e);
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      if (start === null) return;
      const a = Math.min(start, x(e));
      const b = Math.max(start, x(e));
      if (b - a > 2) {
        this.brush = [this.tOf(a), this.tOf(b)];
        this.draw();
      }
    });
    c.addEventListener("pointerup", (e) => {
      if (start === null) return;
      const a = Math.min(start, x(e));
      const b = Math.max(start, x(e));
      start = null;
      this.brush = b - a > 2 ? [this.tOf(a), this.tOf(b)] : null;
      this.draw();
      this.onBrush(this.brush);
    });
  }
}
