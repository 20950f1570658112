import { useEffect, useRef } from 'react';

/**
 * A bar chart with uPlot (the chart library of the web app), loaded with the page that shows it.
 * `xs` are UNIX seconds; the numbers are also in a table or list beside it for screen readers.
 */
export function BarChart({ xs, ys, label, testId }: { xs: number[]; ys: number[]; label: string; testId?: string }) {
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
          scales: { x: { time: true } },
          axes: [{ stroke: '#1a1a1a' }, { stroke: '#1a1a1a', size: 60 }],
          series: [{}, { label, stroke: '#0b5cad', fill: 'rgba(11,92,173,0.35)', paths: UPlot.paths.bars!({ size: [0.7, 40] }) }],
        },
        [xs, ys],
        box.current,
      );
      box.current.dataset.ready = 'true';
    });
    return () => {
      gone = true;
      plot?.destroy();
    };
  }, [xs, ys, label]);
  return <div ref={box} className="chart" role="img" aria-label={label} data-testid={testId} />;
}
