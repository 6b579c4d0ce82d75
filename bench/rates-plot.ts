// The quality-per-rate plot (docs/rates.svg) as hand-written SVG: two panels sharing the x axis
// (quantizers, with kbps beneath), STOI above and the log-mel distance below, the mean as a line
// and the worst clip as a dashed line, Lyra's three rates as vertical guides.

export interface RatePoint {
  quantizers: number;
  bps: number;
  packetBytes: number;
  stoi: number;
  stoiMin: number;
  logMel: number;
  logMelMax: number;
}

const WIDTH = 720;
const PANEL_HEIGHT = 220;
const LEFT = 64;
const RIGHT = 24;
const TOP = 40;
const GAP = 56;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const num = (x: number) => Number(x.toFixed(1)).toString();

interface Panel {
  title: string;
  top: number;
  min: number;
  max: number;
  ticks: number[];
  mean: number[];
  worst: number[];
  format: (v: number) => string;
}

export function ratesSvg(points: RatePoint[], lyraRates: Map<number, string>): string {
  const n = points.length;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (q: number) => LEFT + ((q - 1) / Math.max(1, n - 1)) * plotWidth;
  const out: string[] = [];
  const height = TOP + 2 * PANEL_HEIGHT + GAP + 56;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15">Lyra v2 quality per rate (every quantizer count, 200 bps each)</text>`,
  );
  const logMelMax = Math.ceil(Math.max(...points.map((p) => p.logMelMax)));
  const logMelMin = Math.floor(Math.min(...points.map((p) => p.logMel)));
  const stoiMin = Math.floor(Math.min(...points.map((p) => p.stoiMin)) * 10) / 10;
  const panels: Panel[] = [
    {
      title: 'STOI (higher is better)',
      top: TOP,
      min: stoiMin,
      max: 1,
      ticks: Array.from({ length: Math.round((1 - stoiMin) * 10) + 1 }, (_, i) => stoiMin + i / 10),
      mean: points.map((p) => p.stoi),
      worst: points.map((p) => p.stoiMin),
      format: (v) => v.toFixed(1),
    },
    {
      title: 'log-mel distance, dB (lower is better)',
      top: TOP + PANEL_HEIGHT + GAP,
      min: logMelMin,
      max: logMelMax,
      ticks: Array.from({ length: logMelMax - logMelMin + 1 }, (_, i) => logMelMin + i),
      mean: points.map((p) => p.logMel),
      worst: points.map((p) => p.logMelMax),
      format: (v) => v.toFixed(0),
    },
  ];
  for (const panel of panels) {
    const y = (v: number) => panel.top + PANEL_HEIGHT - ((v - panel.min) / (panel.max - panel.min || 1)) * PANEL_HEIGHT;
    out.push(`<text x="${LEFT}" y="${panel.top - 8}">${esc(panel.title)}</text>`);
    out.push(
      `<rect x="${LEFT}" y="${panel.top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#999"/>`,
    );
    for (const tick of panel.ticks) {
      out.push(
        `<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${num(y(tick))}" y2="${num(y(tick))}" stroke="#eee"/>`,
        `<text x="${LEFT - 6}" y="${num(y(tick) + 4)}" text-anchor="end">${panel.format(tick)}</text>`,
      );
    }
    for (const [q, label] of lyraRates) {
      out.push(
        `<line x1="${num(x(q))}" x2="${num(x(q))}" y1="${panel.top}" y2="${panel.top + PANEL_HEIGHT}" stroke="#c33" stroke-dasharray="4 3"/>`,
      );
      if (panel === panels[0])
        out.push(
          `<text x="${num(x(q) - 4)}" y="${panel.top + 14}" text-anchor="end" fill="#c33">Lyra ${esc(label)}</text>`,
        );
    }
    const line = (values: number[]) => values.map((v, i) => `${num(x(i + 1))},${num(y(v))}`).join(' ');
    out.push(
      `<polyline points="${line(panel.worst)}" fill="none" stroke="#36c" stroke-width="1.2" stroke-dasharray="5 3"/>`,
      `<polyline points="${line(panel.mean)}" fill="none" stroke="#036" stroke-width="2"/>`,
    );
    for (let i = 0; i < n; i++)
      out.push(`<circle cx="${num(x(i + 1))}" cy="${num(y(panel.mean[i]))}" r="2" fill="#036"/>`);
  }
  const axisY = TOP + 2 * PANEL_HEIGHT + GAP;
  for (let q = 1; q <= n; q++) {
    const nearLyra = !lyraRates.has(q) && [...lyraRates.keys()].some((l) => Math.abs(l - q) <= 2);
    if ((q !== 1 && q % 5 !== 0 && !lyraRates.has(q)) || nearLyra) continue;
    out.push(
      `<text x="${num(x(q))}" y="${axisY + 16}" text-anchor="middle">${q}</text>`,
      `<text x="${num(x(q))}" y="${axisY + 30}" text-anchor="middle" fill="#666">${((q * 200) / 1000).toFixed(1)}</text>`,
    );
  }
  out.push(
    `<text x="${LEFT - 6}" y="${axisY + 16}" text-anchor="end">quantizers</text>`,
    `<text x="${LEFT - 6}" y="${axisY + 30}" text-anchor="end" fill="#666">kbps</text>`,
    `<text x="${WIDTH - RIGHT}" y="${axisY + 48}" text-anchor="end" fill="#666">solid: mean over clips; dashed: worst clip</text>`,
    '</svg>',
    '',
  );
  return out.join('\n');
}
