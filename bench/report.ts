/** Plain-text table and number formatting for the benchmark's printout. */

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => /^[\d.,×x -]*$/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    '| ' + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |';
  const rule = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|';
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export const rate = (n: number): string => Math.round(n).toLocaleString('en-US');
export const ms = (n: number): string => (n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const ratio = (n: number): string => `${n.toFixed(2)}×`;
export const verdict = (ok: boolean): string => (ok ? 'MET' : 'NOT MET');
