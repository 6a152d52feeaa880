import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { SeriesPoint } from "../../api-types.js";
import { byId } from "./dom.js";

/** Points kept per chart: ten minutes at one a second, as the server keeps them. */
const MAX_POINTS = 600;
const HEIGHT = 170;

interface Line {
  label: string;
  color: string;
  value: (p: SeriesPoint) => number | null;
  dash?: number[];
  /** Dots at each point: for sparse lines (latency has gaps where no request came). */
  points?: boolean;
}

const axis = {
  stroke: "#8b949e",
  grid: { stroke: "rgba(139,148,158,0.15)", width: 1 },
  ticks: { show: false },
};

/** One uPlot chart fed a point a second. Its element carries data-points and data-max for tests and tools. */
class Chart {
  private readonly x: number[] = [];
  private readonly ys: (number | null)[][];
  private readonly plot: uPlot;

  constructor(
    private readonly container: HTMLElement,
    private readonly lines: Line[],
    unit: string,
  ) {
    this.ys = lines.map(() => []);
    this.plot = new uPlot(
      {
        width: Math.max(240, container.clientWidth),
        height: HEIGHT,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [axis, { ...axis, size: 48, values: (_u, ticks) => ticks.map((t) => `${t}${unit}`) }],
        series: [
          {},
          ...lines.map((l) => ({
            label: l.label,
            stroke: l.color,
            width: 1.5,
            dash: l.dash,
            spanGaps: false,
            points: { show: l.points ?? false, size: 4 },
          })),
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
      },
      this.aligned(),
      container,
    );
    new ResizeObserver(() =>
      this.plot.setSize({ width: Math.max(240, container.clientWidth), height: HEIGHT }),
    ).observe(container);
  }

  private aligned(): uPlot.AlignedData {
    return [this.x, ...this.ys] as uPlot.AlignedData;
  }

  load(points: SeriesPoint[]): void {
    this.x.length = 0;
    for (const column of this.ys) column.length = 0;
    for (const p of points.slice(-MAX_POINTS)) this.append(p);
    this.redraw();
  }

  push(point: SeriesPoint): void {
    this.append(point);
    if (this.x.length > MAX_POINTS) {
      this.x.shift();
      for (const column of this.ys) column.shift();
    }
    this.redraw();
  }

  private append(p: SeriesPoint): void {
    this.x.push(p.t);
    for (let i = 0; i < this.lines.length; i++) this.ys[i]!.push(this.lines[i]!.value(p));
  }

  private redraw(): void {
    this.plot.setData(this.aligned());
    let max = 0;
    for (const column of this.ys) for (const v of column) if (v !== null && v > max) max = v;
    this.container.dataset.points = String(this.x.length);
    this.container.dataset.max = String(max);
  }
}

export class Charts {
  private readonly charts: Chart[];

  constructor() {
    this.charts = [
      new Chart(
        byId("chart-requests"),
        [
          { label: "accepted", color: "#2da44e", value: (p) => p.accepted },
          { label: "duplicate", color: "#8b949e", value: (p) => p.duplicate },
          { label: "rejected", color: "#d29922", value: (p) => p.rejected },
          { label: "503", color: "#cf222e", value: (p) => p.unavailable },
        ],
        "",
      ),
      new Chart(
        byId("chart-latency"),
        [
          { label: "p50", color: "#1f6feb", value: (p) => p.ackP50, points: true },
          { label: "p99", color: "#8250df", value: (p) => p.ackP99, dash: [4, 3], points: true },
        ],
        "",
      ),
      new Chart(
        byId("chart-worker"),
        [
          { label: "handled", color: "#2da44e", value: (p) => p.handled },
          { label: "retried or dead", color: "#cf222e", value: (p) => p.failed },
        ],
        "",
      ),
    ];
  }

  load(points: SeriesPoint[]): void {
    for (const chart of this.charts) chart.load(points);
  }

  push(point: SeriesPoint): void {
    for (const chart of this.charts) chart.push(point);
  }
}
