import { useEffect, useRef } from 'react';

/** Roughly how wide an axis label is drawn (px per character of the axis font, plus a gap). */
const labelWidth = (label: string) => 7 * Math.max(1, label.length) + 16;

/**
 * A bar chart with uPlot (the chart library of the web app), loaded with the page that shows it.
 * One bar per entry of `ys`; the x axis is a category axis with `labels[i]` under bar i (a day,
 * «9 нояб.», or a month, «нояб. 2026», formatted by the caller for the language) — never a time
 * scale, which for a single day stretched its range over years and printed `2027 2028 2029`.
 * When the labels do not fit, every k-th is printed. The drawn labels and the bars' centres are
 * left on the element (`data-x-labels`, `data-bars`) for tests; the numbers are also in a table or
 * list beside the chart for screen readers.
 */
export function BarChart({
  ys,
  labels: full,
  compactLabels,
  label,
  testId,
  height = 200,
}: {
  ys: number[];
  labels: string[];
  /** Shorter labels (a month without its year) for when the full ones do not fit under every bar. */
  compactLabels?: string[];
  label: string;
  testId?: string;
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: { destroy: () => void } | null = null;
    let gone = false;
    const el = box.current;
    if (!el) return;
    delete el.dataset.ready;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      if (gone || !box.current) return;
      const width = Math.max(260, box.current.clientWidth);
      const n = ys.length;
      // Every label when they fit the plot width (about width − 80 px of y axis), the compact ones
      // if those fit, else every k-th.
      const room = Math.max(1, width - 80);
      const widthOf = (ls: string[]) => ls.reduce((sum, l) => sum + labelWidth(l), 0);
      const labels = widthOf(full) <= room || !compactLabels || compactLabels.length !== n ? full : compactLabels;
      const step = Math.max(1, Math.ceil(widthOf(labels) / room));
      const shown = labels.map((_l, i) => i).filter((i) => i % step === 0);
      plot = new UPlot(
        {
          width,
          height,
          legend: { show: false },
          cursor: { show: false },
          // x: the bar index, one unit per bar, half a unit of margin each side (one bar sits in the
          // middle). y: from zero, at least to 1, so a period without traffic still draws its axes.
          scales: {
            x: { time: false, range: () => [-0.5, Math.max(0.5, n - 0.5)] },
            y: { range: (_u: unknown, _min: number, max: number) => [0, Math.max(1, max)] },
          },
          axes: [
            { stroke: '#1a1a1a', splits: () => shown, values: (_u: unknown, splits: number[]) => splits.map((i) => labels[i] ?? '') },
            { stroke: '#1a1a1a', size: 60 },
          ],
          series: [{}, { label, stroke: '#0b5cad', fill: 'rgba(11,92,173,0.35)', points: { show: false }, paths: UPlot.paths.bars!({ size: [0.7, 40] }) }],
          hooks: {
            // Once drawn: the labels printed and the middle of each bar in the canvas's own pixels.
            draw: [
              (d: { valToPos: (v: number, scale: string, canvas?: boolean) => number }) => {
                if (!box.current) return;
                box.current.dataset.xLabels = JSON.stringify(shown.map((i) => labels[i] ?? ''));
                box.current.dataset.bars = JSON.stringify(ys.map((y, i) => ({ x: Math.round(d.valToPos(i, 'x', true)), y: Math.round(d.valToPos(y / 2, 'y', true)), value: y })));
                box.current.dataset.ready = 'true';
              },
            ],
          },
        },
        [ys.map((_y, i) => i), ys],
        box.current,
      );
    });
    return () => {
      gone = true;
      plot?.destroy();
    };
  }, [ys, full, compactLabels, label, height]);
  return <div ref={box} className="chart" role="img" aria-label={label} data-testid={testId} />;
}
