import { useEffect, useRef } from 'react';

/**
 * A bar chart with uPlot (the chart library of the web app), loaded with the page that shows it.
 * `xs` are UNIX seconds; the numbers are also in a table or list beside it for screen readers.
 */
export function BarChart({ xs, ys, label, testId, labels }: { xs: number[]; ys: number[]; label: string; testId?: string; labels?: string[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: { destroy: () => void } | null = null;
    let gone = false;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      if (gone || !box.current) return;
      const width = Math.max(260, box.current.clientWidth);
      plot = new UPlot(
        {
          width,
          height: 200,
          legend: { show: false },
          cursor: { show: false },
          // With labels the x axis is ordinal (one tick per bar, e.g. months); otherwise time.
          // y from zero, and at least to 1, so a month without traffic still draws its axes.
          scales: {
            x: labels ? { time: false, range: [-0.5, Math.max(0.5, xs.length - 0.5)] } : { time: true },
            y: { range: (_u: unknown, _min: number, max: number) => [0, Math.max(1, max)] },
          },
          axes: [
            labels ? { stroke: '#1a1a1a', incrs: [1], values: (_u: unknown, splits: number[]) => splits.map((i) => labels[i] ?? '') } : { stroke: '#1a1a1a' },
            { stroke: '#1a1a1a', size: 60 },
          ],
          series: [{}, { label, stroke: '#0b5cad', fill: 'rgba(11,92,173,0.35)', paths: UPlot.paths.bars!({ size: [0.7, 40] }) }],
        },
        [labels ? xs.map((_x, i) => i) : xs, ys],
        box.current,
      );
      box.current.dataset.ready = 'true';
    });
    return () => {
      gone = true;
      plot?.destroy();
    };
  }, [xs, ys, label, labels]);
  return <div ref={box} className="chart" role="img" aria-label={label} data-testid={testId} />;
}
