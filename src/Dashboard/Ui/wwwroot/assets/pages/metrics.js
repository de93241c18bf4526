// Metrics: per service and route, request rate, error ratio and p50/p95/p99 latency over a window,
// from the HTTP and RPC server duration histograms; and every instrument each service reports.
import { h, replace, serviceColor, spinner, empty, problem } from '../dom.js';
import { lineChart } from '../charts.js';
import { seconds, percent, number, time } from '../format.js';
import { setQuery } from '../router.js';
import * as api from '../api.js';

const WINDOWS = [['1m', 'Last minute'], ['5m', 'Last 5 minutes'], ['15m', 'Last 15 minutes'], ['1h', 'Last hour']];

export async function metricsPage(main) {
  const query = new URLSearchParams(location.search);
  const windowSelect = h('select', { id: 'metrics-window' }, WINDOWS.map(([value, label]) => h('option', { value, selected: value === (query.get('window') || '5m') }, label)));
  const routes = h('div', { id: 'metrics-routes' });
  const charts = h('div', { id: 'metrics-charts' });
  let selected = query.get('route') || '';
  const serviceSelect = h('select', { id: 'instruments-service' });
  const instruments = h('div', { id: 'metrics-instruments' });
  replace(main, h('div', { class: 'metrics-page' },
    h('section', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', {}, 'Requests per service and route'),
        h('label', { class: 'field inline' }, h('span', { class: 'field-label' }, 'Window'), windowSelect)),
      h('p', { class: 'muted' }, 'From http.server.request.duration and rpc.server.call.duration; a gRPC call is listed once, as its RPC row. Errors: HTTP 5xx, gRPC server error codes, or error.type set.'),
      routes),
    h('section', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', {}, 'Over time')),
      h('p', { class: 'muted' }, 'The selected row of the table, step by step over the window (a step per exported measurement at least). Click a row to chart it.'),
      charts),
    h('section', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', {}, 'Instruments'), h('label', { class: 'field inline' }, h('span', { class: 'field-label' }, 'Service'), serviceSelect)),
      instruments)));

  const select = (key) => {
    selected = key;
    setQuery({ window: windowSelect.value, service: serviceSelect.value, route: selected });
    loadRoutes();
  };
  const loadRoutes = async () => {
    setQuery({ window: windowSelect.value, service: serviceSelect.value, route: selected });
    try {
      const [rows, history] = await Promise.all([api.routes(windowSelect.value), api.routeHistory(windowSelect.value)]);
      // The busiest route until one is chosen.
      if (!rows.some((row) => routeKey(row) === selected) && rows.length > 0) selected = routeKey([...rows].sort((a, b) => b.requests - a.requests)[0]);
      renderRoutes(routes, rows, selected, select);
      renderCharts(charts, history.find((item) => routeKey(item) === selected));
    } catch (error) {
      replace(routes, problem(error));
    }
  };
  const loadInstruments = async () => {
    setQuery({ window: windowSelect.value, service: serviceSelect.value });
    replace(instruments, spinner());
    try {
      renderInstruments(instruments, serviceSelect.value, await api.instruments(serviceSelect.value));
    } catch (error) {
      replace(instruments, problem(error));
    }
  };
  windowSelect.addEventListener('change', loadRoutes);
  serviceSelect.addEventListener('change', loadInstruments);

  replace(routes, spinner());
  const all = await api.instruments().catch(() => []);
  const services = [...new Set(all.map((i) => i.service))].sort();
  replace(serviceSelect, services.length === 0 ? h('option', { value: '' }, 'No metrics yet')
    : services.map((name) => h('option', { value: name, selected: name === query.get('service') }, name)));
  await Promise.all([loadRoutes(), services.length > 0 ? loadInstruments() : replace(instruments, empty('No metrics received yet.'))]);
  const timer = setInterval(loadRoutes, 10_000);
  return () => clearInterval(timer);
}

const routeKey = (row) => `${row.service} ${row.kind} ${row.route}`;

function renderRoutes(container, rows, selected, select) {
  if (rows.length === 0) {
    replace(container, empty('No server requests in this window. Metrics arrive every OTEL_METRIC_EXPORT_INTERVAL (60 s by default).'));
    return;
  }
  const byService = new Map();
  for (const row of rows) {
    if (!byService.has(row.service)) byService.set(row.service, []);
    byService.get(row.service).push(row);
  }
  replace(container, h('table', { class: 'metrics-table' },
    h('thead', {}, h('tr', {}, ['Route', 'Kind', 'Requests', 'Rate', 'Errors', 'p50', 'p95', 'p99'].map((title) => h('th', {}, title)))),
    [...byService].map(([service, serviceRows]) => h('tbody', { dataset: { service } },
      h('tr', { class: 'group' }, h('th', { colspan: 8 }, h('span', { class: 'service-dot', style: { background: serviceColor(service) } }), service)),
      serviceRows.map((row) => h('tr', { dataset: { route: row.route }, class: ['selectable', routeKey(row) === selected ? 'selected' : ''], onclick: () => select(routeKey(row)) },
        h('td', { class: 'mono' }, row.route),
        h('td', {}, row.kind.toUpperCase()),
        h('td', { class: 'num' }, number(row.requests, 0)),
        h('td', { class: 'num' }, `${number(row.ratePerSecond, 2)}/s`),
        h('td', { class: ['num', row.errorRatio > 0 ? 'text-error' : ''] }, percent(row.errorRatio)),
        h('td', { class: 'num' }, seconds(row.p50Seconds)),
        h('td', { class: 'num' }, seconds(row.p95Seconds)),
        h('td', { class: 'num' }, seconds(row.p99Seconds))))))));
}

function renderCharts(container, history) {
  if (!history || history.points.length === 0) {
    replace(container, empty('Nothing to chart yet: the window has no measurement of this route.'));
    return;
  }
  const points = history.points;
  const color = serviceColor(history.service);
  replace(container,
    h('h3', { class: 'mono' }, h('span', { class: 'service-dot', style: { background: color } }), `${history.service} · ${history.route}`),
    h('div', { class: 'charts', dataset: { route: history.route } },
      lineChart('rate', 'Requests per second', points, [{ name: 'rate', color, values: points.map((p) => p.ratePerSecond) }], (v) => `${number(v, 2)}/s`),
      lineChart('errors', 'Error ratio', points, [{ name: 'errors', color: 'var(--error)', values: points.map((p) => p.errorRatio) }], percent),
      lineChart('latency', 'Latency p50 and p99', points, [
        { name: 'p50', color, values: points.map((p) => p.p50Seconds) },
        { name: 'p99', color: 'var(--muted)', values: points.map((p) => p.p99Seconds) },
      ], seconds)));
}

function renderInstruments(container, service, list) {
  if (list.length === 0) {
    replace(container, empty('No instruments for this service.'));
    return;
  }
  const detail = h('div', { class: 'series' });
  replace(container, h('table', { class: 'instrument-table' },
    h('thead', {}, h('tr', {}, ['Instrument', 'Type', 'Unit', 'Series', 'Description'].map((title) => h('th', {}, title)))),
    h('tbody', {}, list.map((instrument) => h('tr', {},
      h('td', {}, h('button', { type: 'button', class: 'link-button mono', onclick: () => showSeries(detail, service, instrument) }, instrument.name)),
      h('td', {}, instrument.type + (instrument.temporality ? ` (${instrument.temporality})` : '')),
      h('td', { class: 'mono' }, instrument.unit || ''),
      h('td', { class: 'num' }, String(instrument.series)),
      h('td', { class: 'muted' }, instrument.description || ''))))), detail);
}

async function showSeries(container, service, instrument) {
  replace(container, spinner());
  try {
    const series = await api.series(service, instrument.name);
    replace(container, h('h3', {}, instrument.name), h('table', { class: 'kv' }, h('tbody', {}, series.map((item) => h('tr', {},
      h('th', {}, Object.entries(item.attributes).map(([k, v]) => `${k}=${v}`).join(', ') || '(no attributes)'),
      h('td', { class: 'mono' }, latest(instrument, item.latest)))))));
  } catch (error) {
    replace(container, problem(error));
  }
}

function latest(instrument, point) {
  if (!point) return '–';
  const at = ` at ${time(point.timestamp)}`;
  return instrument.type.includes('Histogram') || instrument.type === 'Summary'
    ? `count ${point.count}, sum ${number(point.sum, 4)}${at}`
    : `${number(point.value, 4)}${at}`;
}
