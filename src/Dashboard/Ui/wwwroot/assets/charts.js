// Small SVG line charts for the metrics and SLO pages.
import { h, s } from './dom.js';
import { time } from './format.js';

// A small line chart in SVG: one polyline per series (a dot where a series has a single point), the time of the
// first and last step under it, the largest value above it.
export function lineChart(metric, title, points, series, format) {
  const width = 320, height = 110, pad = 6;
  const times = points.map((p) => p.time);
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const values = series.flatMap((line) => line.values).filter((v) => v !== null && v !== undefined);
  const top = Math.max(...values, 0) || 1;
  const x = (t) => (t1 === t0 ? width / 2 : pad + ((t - t0) / (t1 - t0)) * (width - (2 * pad)));
  const y = (v) => height - pad - ((v / top) * (height - (2 * pad)));
  const shapes = series.flatMap((line) => {
    const coordinates = points.map((p, i) => [p.time, line.values[i]]).filter(([, v]) => v !== null && v !== undefined);
    return coordinates.length === 1
      ? [s('circle', { cx: x(coordinates[0][0]), cy: y(coordinates[0][1]), r: 3, style: { fill: line.color }, 'data-series': line.name })]
      : [s('polyline', { points: coordinates.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' '), style: { fill: 'none', stroke: line.color, strokeWidth: '2' }, 'data-series': line.name })];
  });
  return h('figure', { class: 'chart', dataset: { metric, points: String(points.length) } },
    h('figcaption', {}, title, h('span', { class: 'muted' }, ` · max ${format(top)}`),
      series.length > 1 ? h('span', { class: 'legend' }, series.map((line) => h('span', { class: 'legend-item' }, h('span', { class: 'service-dot', style: { background: line.color } }), line.name))) : null),
    s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title },
      s('line', { x1: 0, y1: height - pad, x2: width, y2: height - pad, style: { stroke: 'var(--border)' } }),
      ...shapes),
    h('div', { class: 'chart-axis muted' }, h('span', {}, time(t0)), h('span', {}, time(t1))));
}
