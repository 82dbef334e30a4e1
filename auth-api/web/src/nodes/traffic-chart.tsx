import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { bitRate } from '../ui/format.js';
import type { TrafficPoint } from './traffic-rates.js';

let uplotModule: Promise<typeof uPlot> | undefined;
/** uPlot (and its CSS) load with the first chart, not with the overview. */
const loadUPlot = (): Promise<typeof uPlot> => {
  uplotModule ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(
    ([module]) => ('default' in module ? module.default : module) as typeof uPlot,
  );
  return uplotModule;
};

/** False where canvases cannot be drawn on (uPlot would fail later, outside any try). */
function canDraw(): boolean {
  try {
    return document.createElement('canvas').getContext('2d') !== null;
  } catch {
    return false;
  }
}

function toData(points: TrafficPoint[]): uPlot.AlignedData {
  return [points.map((point) => point.at), points.map((point) => point.rx), points.map((point) => point.tx)];
}

/** Receive and send rates of the node, drawn as they arrive. */
export function TrafficChart({ points, version }: { points: TrafficPoint[]; version: number }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let cancelled = false;
    loadUPlot().then(
      (UPlot) => {
        if (cancelled || !container.current) return;
        if (!canDraw()) return setFailed(true);
        try {
          chart.current = new UPlot(chartOptions(container.current.clientWidth || 600), toData(points), container.current);
          showWindow(chart.current, points);
        } catch {
          // No canvas here (an old or headless engine): the caption still gives the numbers.
          setFailed(true);
        }
      },
      () => setFailed(true),
    );
    return () => {
      cancelled = true;
      chart.current?.destroy();
      chart.current = undefined;
    };
  }, []);
  useEffect(() => {
    if (!chart.current) return;
    chart.current.setData(toData(points), false);
    showWindow(chart.current, points);
  }, [version]);
  const latest = points[points.length - 1];
  return (
    <figure class="traffic">
      <div ref={container} class="traffic-chart" aria-hidden="true" />
      <figcaption>
        {failed
          ? 'The chart could not be loaded.'
          : latest
            ? `Now: receiving ${bitRate(latest.rx)}, sending ${bitRate(latest.tx)} (from the node's status reports).`
            : 'Rates appear after the node’s next two status reports.'}
      </figcaption>
    </figure>
  );
}

const WINDOW_SECONDS = 300;

/**
 * The last five minutes, ending at the newest point (or all of it, when longer): with one or two
 * points uPlot's own range for a time axis spans years.
 */
function showWindow(chart: uPlot, points: TrafficPoint[]): void {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return;
  chart.setScale('x', { min: Math.min(first.at, last.at - WINDOW_SECONDS), max: last.at });
}

function chartOptions(width: number): uPlot.Options {
  const axisColor = getComputedStyle(document.documentElement).getPropertyValue('--text-muted').trim() || '#666';
  const axis = { stroke: axisColor, grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { stroke: 'rgba(128,128,128,0.3)' } };
  return {
    width,
    height: 180,
    scales: {
      x: { time: true },
      // Rates start at zero, with headroom above the highest.
      y: { range: (_chart, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    axes: [axis, { ...axis, values: (_chart, ticks) => ticks.map((tick) => bitRate(tick)), size: 100 }],
    series: [
      {},
      { label: 'Receive', stroke: '#2f81f7', width: 2, value: (_chart, value) => (value == null ? '—' : bitRate(value)) },
      { label: 'Send', stroke: '#db6d28', width: 2, value: (_chart, value) => (value == null ? '—' : bitRate(value)) },
    ],
  };
}
