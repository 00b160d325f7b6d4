// Minimal inline SVG charts for the HTML report: no library, no network, plain strings.

export interface Series {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

export interface Bar {
  readonly label: string;
  readonly color: string;
  readonly value: number | undefined;
  /** Shown at the end of the bar instead of the number. */
  readonly text?: string | undefined;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function tickText(v: number): string {
  return Math.abs(v) >= 1000 ? `${(v / 1000).toPrecision(3)}k` : String(Number(v.toPrecision(3)));
}

/**
 * Overlaid line chart: one polyline per series, x = index (scaled to the longest series), legend on
 * the right. Earlier series are drawn wider, so curves that coincide (backends that agree) stay visible.
 */
export function lineChart(title: string, series: readonly Series[], opts: { xLabel: string; yLabel: string; width?: number; height?: number }): string {
  // The legend's width follows the longest label (peer rows name their modules).
  const m = { l: 56, r: Math.max(200, 6 * Math.max(0, ...series.map((s) => s.label.length)) + 40), t: 32, b: 44 };
  const W = opts.width ?? 620 + m.r;
  const H = opts.height ?? 340;
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const parts: string[] = [`<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">`];
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" class="title">${escapeHtml(title)}</text>`);
  if (all.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text></svg>`);
    return parts.join('');
  }
  // The data's range with a little room, not from 0: loss curves would be flat lines otherwise.
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
  const yMin = lo - pad;
  const yMax = hi + pad;
  const xMax = Math.max(...series.map((s) => s.values.length - 1), 1);
  const x = (i: number) => m.l + (i / xMax) * pw;
  const y = (v: number) => m.t + ph - ((v - yMin) / (yMax - yMin || 1)) * ph;
  for (const t of ticks(yMin, yMax)) {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${num(y(t))}" y2="${num(y(t))}" class="grid"/>`);
    parts.push(`<text x="${m.l - 6}" y="${num(y(t) + 4)}" text-anchor="end" class="tick">${tickText(t)}</text>`);
  }
  for (const t of ticks(0, xMax)) parts.push(`<text x="${num(x(t))}" y="${m.t + ph + 16}" text-anchor="middle" class="tick">${tickText(t)}</text>`);
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}" class="axis"/><line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}" class="axis"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 8}" text-anchor="middle" class="label">${escapeHtml(opts.xLabel)}</text>`);
  parts.push(`<text x="14" y="${m.t + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ${m.t + ph / 2})" class="label">${escapeHtml(opts.yLabel)}</text>`);
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${num(x(i))},${num(y(v))}` : '')).filter((p) => p !== '');
    const width = 1.5 + 2.5 * (series.length - 1 - k);
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="${width}" stroke-linejoin="round" points="${pts.join(' ')}"><title>${escapeHtml(s.label)}</title></polyline>`);
    // A single point draws no line: mark it.
    if (pts.length === 1) {
      const [px, py] = pts[0]!.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="${width / 2 + 2}" fill="${s.color}"><title>${escapeHtml(s.label)}</title></circle>`);
    }
    const ly = m.t + 10 + k * 18;
    parts.push(`<rect x="${m.l + pw + 14}" y="${ly - 6}" width="16" height="${Math.min(width, 6)}" fill="${s.color}"/><text x="${m.l + pw + 36}" y="${ly}" class="legend">${escapeHtml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars, one per entry; missing values draw no bar and say why in `text`. */
export function barChart(title: string, bars: readonly Bar[], opts: { unit: string; width?: number; max?: number }): string {
  const rowH = 26;
  // Margins sized to the longest label and value text (about 6 px per character at the tick font),
  // so reference rows ("onnxruntime (plain exported graph)", "×a js, ×b torch") are not clipped.
  const chars = (ss: string[]) => Math.max(0, ...ss.map((x) => x.length));
  const m = { l: Math.max(150, 6 * chars(bars.map((b) => b.label)) + 12), r: Math.max(90, 6 * chars(bars.map((b) => b.text ?? '')) + 12), t: 32, b: 12 };
  const W = opts.width ?? Math.max(420, m.l + m.r + 160);
  const H = m.t + m.b + rowH * Math.max(bars.length, 1);
  const pw = W - m.l - m.r;
  const max = opts.max ?? Math.max(...bars.map((b) => b.value ?? 0), 0);
  const parts: string[] = [`<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">`];
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" class="title">${escapeHtml(title)}</text>`);
  bars.forEach((b, i) => {
    const yTop = m.t + i * rowH;
    const w = b.value !== undefined && max > 0 ? Math.max(1, (b.value / max) * pw) : 0;
    parts.push(`<text x="${m.l - 6}" y="${yTop + 17}" text-anchor="end" class="tick">${escapeHtml(b.label)}</text>`);
    if (w > 0) parts.push(`<rect x="${m.l}" y="${yTop + 4}" width="${num(w)}" height="${rowH - 8}" fill="${b.color}"><title>${escapeHtml(`${b.label}: ${b.text ?? b.value}`)}</title></rect>`);
    parts.push(`<text x="${num(m.l + w + 6)}" y="${yTop + 17}" class="tick">${escapeHtml(b.text ?? (b.value === undefined ? '–' : `${b.value} ${opts.unit}`))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
