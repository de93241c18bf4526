// One trace: a waterfall timeline (collapsible span tree, bars on a shared time axis, the critical
// path marked), span details (attributes, events, links, resource), and the trace's logs.
import { h, replace, serviceColor, spinner, problem, empty } from '../dom.js';
import { duration, time, fullTime } from '../format.js';
import { buildTrace } from '../model.js';
import { setQuery } from '../router.js';
import { logTable } from './logs.js';
import * as api from '../api.js';

/** Tags shown as span facts rather than in the attribute table. */
const FACT_TAGS = new Set(['span.kind', 'otel.status_code', 'otel.status_description', 'error', 'otel.scope.name', 'otel.scope.version']);

export async function tracePage(main, traceId) {
  replace(main, spinner('Loading trace…'));
  let raw;
  try {
    raw = await api.trace(traceId);
  } catch (error) {
    replace(main, error.status === 404
      ? empty(`Trace ${traceId} is not here: not received yet, sampled out, or evicted.`)
      : problem(error));
    return;
  }

  const trace = buildTrace(raw);
  const critical = await api.criticalPath(traceId).catch(() => ({ segments: [], selfTime: {} }));
  const params = new URLSearchParams(location.search);
  const state = { selected: params.get('span'), logSpan: null, collapsed: new Set(), tab: params.get('tab') === 'logs' ? 'logs' : 'timeline' };

  const timelineTab = h('button', { type: 'button', role: 'tab', id: 'tab-timeline' }, 'Timeline');
  const logsTab = h('button', { type: 'button', role: 'tab', id: 'tab-logs' }, 'Logs');
  const body = h('section', { class: 'trace-body' });

  replace(main, h('div', { class: 'trace-page' }, header(trace), h('div', { class: 'subtabs', role: 'tablist' }, timelineTab, logsTab), body));

  // The Logs tab shows the whole trace; "Logs of this span" narrows it to one span.
  const show = (tab, logSpan = null) => {
    state.tab = tab;
    state.logSpan = logSpan;
    timelineTab.setAttribute('aria-selected', String(tab === 'timeline'));
    logsTab.setAttribute('aria-selected', String(tab === 'logs'));
    setQuery({ span: state.selected, tab: tab === 'logs' ? 'logs' : '' });
    if (tab === 'timeline') renderWaterfall(body, trace, critical, state, show);
    else renderLogs(body, trace, state, show);
  };
  timelineTab.addEventListener('click', () => show('timeline'));
  logsTab.addEventListener('click', () => show('logs'));
  show(state.tab);
}

function header(trace) {
  const root = trace.root;
  const copy = h('button', { type: 'button', class: 'link-button', title: 'Copy trace id' }, 'copy');
  copy.addEventListener('click', async () => {
    await navigator.clipboard?.writeText(trace.traceID);
    copy.textContent = 'copied';
  });
  return h('header', { class: 'card trace-header' },
    h('h1', {}, h('span', { class: 'service-dot', style: { background: serviceColor(root.service) } }), h('span', {}, h('span', { class: 'service-name' }, root.service), ': ', root.operationName),
      trace.errors > 0 ? h('span', { class: 'badge error' }, `${trace.errors} error${trace.errors === 1 ? '' : 's'}`) : null),
    h('dl', { class: 'facts' },
      fact('Trace ID', h('span', {}, h('code', { id: 'trace-id' }, trace.traceID), ' ', copy)),
      fact('Started', h('span', { title: fullTime(trace.start) }, time(trace.start))),
      fact('Duration', duration(trace.duration)),
      fact('Services', String(trace.services.size)),
      fact('Depth', String(trace.depth)),
      fact('Spans', h('span', { id: 'trace-span-count' }, String(trace.spans.length)))));
}

function fact(label, value) {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value));
}

function renderWaterfall(body, trace, critical, state, show) {
  const segmentsBySpan = new Map();
  for (const segment of critical.segments || []) {
    if (!segmentsBySpan.has(segment.spanID)) segmentsBySpan.set(segment.spanID, []);
    segmentsBySpan.get(segment.spanID).push(segment);
  }

  const total = Math.max(trace.duration, 1);
  const position = (micros) => `${((micros - trace.start) / total) * 100}%`;
  const width = (micros) => `${Math.max((micros / total) * 100, 0.15)}%`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { class: 'tick', style: { left: `${f * 100}%` } }, duration(trace.duration * f)));

  const hidden = new Set();
  for (const span of trace.spans) {
    if (span.parent && (state.collapsed.has(span.parent.spanID) || hidden.has(span.parent.spanID))) hidden.add(span.spanID);
  }

  const rows = [];
  for (const span of trace.spans) {
    if (hidden.has(span.spanID)) continue;
    const onPath = segmentsBySpan.has(span.spanID);
    const collapsed = state.collapsed.has(span.spanID);
    const toggle = span.children.length === 0
      ? h('span', { class: 'toggle-spacer' })
      : h('button', {
        type: 'button', class: 'toggle', 'aria-label': collapsed ? 'Expand' : 'Collapse', 'aria-expanded': String(!collapsed),
        onclick: (event) => {
          event.stopPropagation();
          if (collapsed) state.collapsed.delete(span.spanID);
          else state.collapsed.add(span.spanID);
          renderWaterfall(body, trace, critical, state, show);
        },
      }, collapsed ? '▸' : '▾');

    const bar = h('div', { class: ['bar', span.error ? 'error' : ''], style: { left: position(span.startTime), width: width(span.duration), background: serviceColor(span.service) } });
    const marks = (segmentsBySpan.get(span.spanID) || []).map((segment) =>
      h('div', { class: 'critical', title: `critical path: ${duration(segment.duration)}`, style: { left: position(segment.startTime), width: width(segment.duration) } }));
    const label = h('span', { class: 'bar-label', style: { left: `calc(${position(span.startTime + span.duration)} + 4px)` } }, duration(span.duration));

    const row = h('div', {
      class: ['span-row', span.spanID === state.selected ? 'selected' : '', span.error ? 'has-error' : '', onPath ? 'on-critical-path' : ''],
      role: 'row', tabindex: 0, dataset: { spanId: span.spanID, service: span.service },
    },
    h('div', { class: 'span-name', style: { paddingLeft: `${span.depth * 16 + 4}px` } },
      toggle,
      h('span', { class: 'service-dot', style: { background: serviceColor(span.service) } }),
      h('span', { class: 'service-name' }, span.service),
      h('span', { class: 'operation' }, span.operationName),
      span.error ? h('span', { class: 'error-mark', title: 'Status Error' }, '!') : null),
    h('div', { class: 'span-timeline' }, bar, marks, label));
    const select = () => {
      state.selected = state.selected === span.spanID ? null : span.spanID;
      setQuery({ span: state.selected });
      renderWaterfall(body, trace, critical, state, show);
    };
    row.addEventListener('click', select);
    row.addEventListener('keydown', (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); select(); } });
    rows.push(row);
    if (span.spanID === state.selected) rows.push(details(span, trace, critical, show));
  }

  replace(body,
    h('div', { class: 'waterfall card', role: 'table', 'aria-label': 'Spans' },
      h('div', { class: 'waterfall-head', role: 'row' },
        h('div', { class: 'span-name' }, 'Service: operation', h('span', { class: 'legend' }, h('span', { class: 'critical-swatch' }), 'critical path')),
        h('div', { class: 'span-timeline ruler' }, ticks)),
      rows));
  body.querySelector('.span-row.selected')?.scrollIntoView({ block: 'nearest' });
}

function details(span, trace, critical, show) {
  const kind = span.tags.find((t) => t.key === 'span.kind')?.value || 'unspecified';
  const status = span.tags.find((t) => t.key === 'otel.status_code')?.value || 'Unset';
  const message = span.tags.find((t) => t.key === 'otel.status_description')?.value;
  const scope = [span.tags.find((t) => t.key === 'otel.scope.name')?.value, span.tags.find((t) => t.key === 'otel.scope.version')?.value].filter(Boolean).join(' ');
  const self = critical.selfTime?.[span.spanID];
  const links = span.references.filter((r) => !(r.refType === 'CHILD_OF' && r.traceID === span.traceID && r.spanID === span.parent?.spanID));
  const logsButton = h('button', { type: 'button', class: 'secondary', id: 'span-logs' }, 'Logs of this span');
  logsButton.addEventListener('click', () => show('logs', span.spanID));

  return h('div', { class: 'span-details card', role: 'region', 'aria-label': `Details of ${span.operationName}` },
    h('div', { class: 'details-head' },
      h('h3', {}, span.operationName),
      h('span', { class: 'muted' }, `${span.service} · ${duration(span.duration)} · starts at +${duration(span.startTime - trace.start)}`),
      logsButton),
    h('dl', { class: 'facts' },
      fact('Span ID', h('code', {}, span.spanID)),
      fact('Parent', span.parent ? h('code', {}, span.parent.spanID) : 'none (root)'),
      fact('Kind', kind),
      fact('Status', h('span', { class: status === 'ERROR' ? 'text-error' : '' }, message ? `${status}: ${message}` : status)),
      fact('Critical path', self ? `${duration(self)} self time` : 'not on it'),
      scope ? fact('Scope', scope) : null),
    section('Attributes', span.tags.filter((t) => !FACT_TAGS.has(t.key)), keyValueTable),
    section('Events', span.logs, (events) => h('ol', { class: 'events' }, events.map((event) =>
      h('li', {}, h('span', { class: 'muted mono' }, `+${duration(event.timestamp - trace.start)}`), ' ',
        h('strong', {}, event.fields.find((f) => f.key === 'event')?.value || 'event'),
        keyValueTable(event.fields.filter((f) => f.key !== 'event')))))),
    section('Links', links, (refs) => h('ul', { class: 'links' }, refs.map((ref) =>
      h('li', {}, `${ref.refType} `, h('a', { href: `/trace/${ref.traceID}?span=${ref.spanID}`, class: 'mono' }, `${ref.traceID}/${ref.spanID}`))))),
    section('Resource', [{ key: 'service.name', type: 'string', value: span.service }, ...(span.process.tags || [])], keyValueTable));
}

function section(title, items, render) {
  if (!items || items.length === 0) return null;
  return h('details', { class: 'section', open: true }, h('summary', {}, `${title} (${items.length})`), render(items));
}

function keyValueTable(items) {
  if (items.length === 0) return null;
  return h('table', { class: 'kv' }, h('tbody', {}, items.map((item) =>
    h('tr', {}, h('th', { scope: 'row' }, item.key), h('td', { class: item.type === 'string' ? '' : 'mono' }, formatValue(item))))));
}

function formatValue(item) {
  return typeof item.value === 'string' ? item.value : JSON.stringify(item.value);
}

async function renderLogs(body, trace, state, show) {
  replace(body, spinner('Loading logs…'));
  try {
    const records = await api.logs({ traceId: trace.traceID, spanId: state.logSpan || undefined, limit: 1000 });
    const filter = state.logSpan
      ? h('p', { class: 'muted' }, `Showing logs of span ${state.logSpan}. `, h('button', { type: 'button', class: 'link-button', onclick: () => show('logs') }, 'Show the whole trace'))
      : null;
    replace(body, h('div', { class: 'card' }, filter, records.length === 0
      ? empty('No log records for this trace. Logs carry trace ids when they are written inside a traced request.')
      : logTable(records.slice().reverse(), {
        traceStart: trace.start,
        onSpan: (spanId) => {
          state.selected = spanId;
          show('timeline');
        },
      })));
  } catch (error) {
    replace(body, problem(error));
  }
}
