// Two chart kinds as plain SVG text, enough for bench/results.svg: a line chart over a few
// categories (throughput or latency against client counts) and horizontal bars against a mark
// (each target's measured ratio over the ratio it needs). Written by hand instead of pulling in a
// charting package: the report must build from this repository alone, and two chart kinds are a
// few dozen lines each. Every function returns an SVG fragment placed at (x, y).

export const FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"';
export const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (n: number) => (Math.round(n * 10) / 10).toString(); // coordinates to 0.1 px keep the file small

export function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${f(x)}" y="${f(y)}" ${attrs}>${escapeXml(s)}</text>`;
}

/** Ticks at 1, 2 or 5 × 10^k from 0 to at least `max`: round numbers a reader can interpolate between. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) as number;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export interface Series {
  name: string;
  color: string;
  values: number[];
  /** Optional text above each point (e.g. the mean batch size). */
  labels?: string[];
  dashed?: boolean;
  /** False keeps it out of the legend (a second line of a series already named there). */
  legend?: boolean;
}

export interface LineChartOptions {
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
  xLabel: string;
  yLabel: string;
  categories: string[];
  series: Series[];
  formatTick: (v: number) => string;
}

/** Lines over evenly spaced categories, y from 0, with axes, grid, legend and point labels. */
export function lineChart(o: LineChartOptions): string {
  const left = 64; // room for tick labels and the rotated y-axis title
  const top = 44; // title and legend
  const bottom = 44; // category labels and the x-axis title
  const right = 16;
  const plotW = o.width - left - right;
  const plotH = o.height - top - bottom;
  const ticks = niceTicks(Math.max(...o.series.flatMap((s) => s.values.filter(Number.isFinite))) * 1.1);
  const yMax = ticks[ticks.length - 1];
  const px = (i: number) => left + (plotW * (i + 0.5)) / o.categories.length;
  const py = (v: number) => top + plotH - (plotH * v) / yMax;
  const out: string[] = [`<g transform="translate(${o.x},${o.y})">`];
  out.push(text(o.width / 2, 18, o.title, 'text-anchor="middle" font-size="15" font-weight="bold"'));
  for (const t of ticks) {
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${f(py(t))}" y2="${f(py(t))}" stroke="#e3e3e3"/>`);
    out.push(text(left - 6, py(t) + 4, o.formatTick(t), 'text-anchor="end" font-size="11" fill="#444"'));
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  o.categories.forEach((c, i) => out.push(text(px(i), top + plotH + 16, c, 'text-anchor="middle" font-size="12"')));
  out.push(text(left + plotW / 2, o.height - 8, o.xLabel, 'text-anchor="middle" font-size="12" fill="#333"'));
  out.push(text(0, 0, o.yLabel, `transform="translate(14,${f(top + plotH / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="#333"`));
  // Legend on one line under the title.
  let lx = left + 4;
  for (const s of o.series.filter((x) => x.legend !== false)) {
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="32" y2="32" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(text(lx + 28, 36, s.name, 'font-size="12"'));
    lx += 40 + s.name.length * 7;
  }
  for (const s of o.series) {
    const pts = s.values.map((v, i) => [px(i), py(v)] as const).filter(([, y]) => Number.isFinite(y));
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.map(([x, y]) => `${f(x)},${f(y)}`).join(' ')}"/>`);
    pts.forEach(([x, y], i) => {
      out.push(`<circle cx="${f(x)}" cy="${f(y)}" r="4" fill="${s.color}"/>`);
      if (s.labels?.[i]) out.push(text(x, y - 9, s.labels[i], `text-anchor="middle" font-size="11" fill="${s.color}"`));
    });
  }
  out.push('</g>');
  return out.join('\n');
}

export interface Bar {
  label: string;
  /** Where the bar ends, in units of the mark (1 = exactly at the mark). */
  score: number;
  /** Printed in a column right of the plot, e.g. '0.48× (≥ 1×)'. */
  valueText: string;
  good: boolean;
}

export interface BarChartOptions {
  x: number;
  y: number;
  width: number;
  title: string;
  subtitle: string;
  bars: Bar[];
  /** Bars past this are cut there and marked, so one outlier does not squash the rest. */
  cap: number;
  markLabel: string;
  axisLabel: string;
}

export const BAR_ROW = 24;
const BAR_TOP = 64; // title, subtitle, and the mark's label above the bars

/** Horizontal bars from 0, a vertical mark at 1; green when good, red when not. Height: barChartHeight(). */
export function barChart(o: BarChartOptions): string {
  const labelW = Math.min(470, o.width * 0.5);
  const valueW = 150; // a column right of the plot for the values, so no text crosses the mark
  const top = BAR_TOP;
  const plotW = o.width - labelW - valueW;
  const px = (score: number) => labelW + (plotW * Math.min(score, o.cap)) / o.cap;
  const out: string[] = [`<g transform="translate(${o.x},${o.y})">`];
  out.push(text(o.width / 2, 18, o.title, 'text-anchor="middle" font-size="15" font-weight="bold"'));
  out.push(text(o.width / 2, 36, o.subtitle, 'text-anchor="middle" font-size="12" fill="#555"'));
  const plotH = o.bars.length * BAR_ROW;
  for (let t = 0; t <= o.cap + 1e-9; t += 0.5) {
    out.push(`<line x1="${f(px(t))}" x2="${f(px(t))}" y1="${top}" y2="${top + plotH}" stroke="#e3e3e3"/>`);
    out.push(text(px(t), top + plotH + 14, `${t}`, 'text-anchor="middle" font-size="11" fill="#444"'));
  }
  o.bars.forEach((b, i) => {
    const y = top + i * BAR_ROW;
    const color = b.good ? '#2e9d4f' : '#d2453b';
    out.push(text(labelW - 8, y + BAR_ROW / 2 + 4, b.label, 'text-anchor="end" font-size="12"'));
    const w = Math.max(1, px(b.score) - labelW);
    out.push(`<rect x="${f(labelW)}" y="${f(y + 4)}" width="${f(w)}" height="${BAR_ROW - 8}" fill="${color}" fill-opacity="0.85"/>`);
    const cut = b.score > o.cap;
    if (cut) out.push(text(px(o.cap) - 4, y + BAR_ROW / 2 + 4, '»', 'text-anchor="end" font-size="13" fill="#fff" font-weight="bold"'));
    out.push(text(labelW + plotW + 14, y + BAR_ROW / 2 + 4, b.valueText, `font-size="12" fill="${color}" font-weight="bold"`));
  });
  out.push(text(labelW + plotW / 2, top + plotH + 32, o.axisLabel, 'text-anchor="middle" font-size="12" fill="#333"'));
  out.push(`<line x1="${f(px(1))}" x2="${f(px(1))}" y1="${top - 6}" y2="${top + plotH + 2}" stroke="#111" stroke-width="2" stroke-dasharray="5 3"/>`);
  out.push(text(px(1), top - 9, o.markLabel, 'text-anchor="middle" font-size="11" fill="#111"'));
  out.push('</g>');
  return out.join('\n');
}

export const barChartHeight = (bars: number) => BAR_TOP + bars * BAR_ROW + 44; // + tick labels and axis title
