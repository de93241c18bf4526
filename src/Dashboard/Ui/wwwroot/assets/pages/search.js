// Trace search: service, operation, tags, duration range, time range; results with root operation,
// services, span count, duration and an error marker, newest first.
import { h, replace, serviceColor, spinner, empty, problem } from '../dom.js';
import { duration, ago, fullTime, shortId } from '../format.js';
import { buildTrace, parseTags } from '../model.js';
import { setQuery } from '../router.js';
import * as api from '../api.js';

const LOOKBACKS = [
  ['5m', 'Last 5 minutes'], ['15m', 'Last 15 minutes'], ['1h', 'Last hour'], ['6h', 'Last 6 hours'],
  ['24h', 'Last 24 hours'], ['2d', 'Last 2 days'], ['custom', 'Custom range'],
];
const LOOKBACK_MS = { '5m': 3e5, '15m': 9e5, '1h': 3.6e6, '6h': 2.16e7, '24h': 8.64e7, '2d': 1.728e8 };

export async function searchPage(main) {
  const query = new URLSearchParams(location.search);
  const serviceSelect = h('select', { id: 'search-service', name: 'service', required: true }, h('option', { value: '' }, 'Loading…'));
  const operationSelect = h('select', { id: 'search-operation', name: 'operation' }, h('option', { value: '' }, 'All operations'));
  const tagsInput = h('input', { id: 'search-tags', name: 'tags', placeholder: 'http.response.status_code=500 error=true', value: query.get('tags') || '', spellcheck: false });
  const minInput = h('input', { id: 'search-min', name: 'minDuration', placeholder: 'e.g. 100ms', value: query.get('minDuration') || '', size: 8 });
  const maxInput = h('input', { id: 'search-max', name: 'maxDuration', placeholder: 'e.g. 1.5s', value: query.get('maxDuration') || '', size: 8 });
  const lookbackSelect = h('select', { id: 'search-lookback', name: 'lookback' },
    LOOKBACKS.map(([value, label]) => h('option', { value, selected: (query.get('lookback') || '1h') === value }, label)));
  const startInput = h('input', { id: 'search-start', type: 'datetime-local', step: 1, value: query.get('start') || '' });
  const endInput = h('input', { id: 'search-end', type: 'datetime-local', step: 1, value: query.get('end') || '' });
  const customRange = h('div', { class: ['field-row', lookbackSelect.value === 'custom' ? '' : 'hidden'] },
    field('From', startInput), field('To', endInput));
  const limitInput = h('input', { id: 'search-limit', name: 'limit', type: 'number', min: 1, max: 1500, value: query.get('limit') || '20', size: 5 });
  const results = h('section', { class: 'results', id: 'search-results', 'aria-live': 'polite' });

  const form = h('form', { class: 'card search-form', id: 'search-form' },
    h('h2', {}, 'Find traces'),
    field('Service', serviceSelect),
    field('Operation', operationSelect),
    field('Tags', tagsInput, 'Space-separated key=value; quote values with spaces.'),
    h('div', { class: 'field-row' }, field('Min duration', minInput), field('Max duration', maxInput)),
    field('Time', lookbackSelect),
    customRange,
    field('Limit', limitInput),
    h('button', { type: 'submit', class: 'primary', id: 'search-submit' }, 'Find traces'));

  replace(main, h('div', { class: 'search-layout' }, form, results));

  lookbackSelect.addEventListener('change', () => customRange.classList.toggle('hidden', lookbackSelect.value !== 'custom'));
  serviceSelect.addEventListener('change', () => loadOperations(serviceSelect.value, operationSelect, ''));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = {
      service: serviceSelect.value,
      operation: operationSelect.value,
      tags: tagsInput.value.trim(),
      minDuration: minInput.value.trim(),
      maxDuration: maxInput.value.trim(),
      lookback: lookbackSelect.value,
      start: lookbackSelect.value === 'custom' ? startInput.value : '',
      end: lookbackSelect.value === 'custom' ? endInput.value : '',
      limit: limitInput.value,
    };
    setQuery(params);
    runSearch(results, params);
  });

  try {
    const services = await api.services();
    replace(serviceSelect, services.length === 0
      ? h('option', { value: '' }, 'No services yet')
      : services.map((name) => h('option', { value: name, selected: name === query.get('service') }, name)));
    if (services.length > 0) {
      await loadOperations(serviceSelect.value, operationSelect, query.get('operation') || '');
      if (query.has('service')) form.requestSubmit();
      else replace(results, empty('Choose a service and press Find traces.'));
    } else {
      replace(results, empty('No traces received yet. Point OTEL_EXPORTER_OTLP_ENDPOINT at this dashboard.'));
    }
  } catch (error) {
    replace(results, problem(error));
  }
}

function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control, hint ? h('small', { class: 'muted' }, hint) : null);
}

async function loadOperations(service, select, selected) {
  const operations = service ? await api.operations(service) : [];
  const names = [...new Set(operations.map((o) => o.name))].sort();
  replace(select, h('option', { value: '' }, 'All operations'), names.map((name) => h('option', { value: name, selected: name === selected }, name)));
}

async function runSearch(results, params) {
  replace(results, spinner('Searching…'));
  try {
    const request = { service: params.service, operation: params.operation, limit: params.limit, minDuration: params.minDuration, maxDuration: params.maxDuration };
    const tags = parseTags(params.tags);
    if (Object.keys(tags).length > 0) request.tags = JSON.stringify(tags);
    if (params.lookback === 'custom') {
      if (params.start) request.start = new Date(params.start).getTime() * 1000;
      if (params.end) request.end = new Date(params.end).getTime() * 1000;
    } else {
      const end = Date.now();
      request.end = end * 1000;
      request.start = (end - LOOKBACK_MS[params.lookback]) * 1000;
    }
    const traces = (await api.searchTraces(request)).map(buildTrace).sort((a, b) => b.start - a.start);
    renderResults(results, traces);
  } catch (error) {
    replace(results, problem(error));
  }
}

function renderResults(results, traces) {
  if (traces.length === 0) {
    replace(results, empty('No traces match.'));
    return;
  }
  const longest = Math.max(...traces.map((t) => t.duration), 1);
  replace(results,
    h('div', { class: 'results-header' }, h('strong', {}, `${traces.length} trace${traces.length === 1 ? '' : 's'}`), h('span', { class: 'muted' }, ' newest first')),
    h('ol', { class: 'trace-list' }, traces.map((trace) => resultRow(trace, longest))));
}

function resultRow(trace, longest) {
  const root = trace.root;
  return h('li', { class: ['trace-row', trace.errors > 0 ? 'has-error' : ''] },
    h('a', { href: `/trace/${trace.traceID}`, class: 'trace-link', dataset: { traceId: trace.traceID } },
      h('div', { class: 'trace-row-head' },
        h('span', { class: 'service-dot', style: { background: serviceColor(root.service) } }),
        h('span', { class: 'trace-title' }, h('span', { class: 'service-name' }, root.service), ': ', root.operationName),
        trace.errors > 0 ? h('span', { class: 'badge error', title: 'Spans with status Error' }, `${trace.errors} error${trace.errors === 1 ? '' : 's'}`) : null,
        h('span', { class: 'trace-id mono', title: trace.traceID }, shortId(trace.traceID)),
        h('span', { class: 'trace-duration' }, duration(trace.duration))),
      h('div', { class: 'duration-bar' }, h('span', { style: { width: `${Math.max(0.5, (trace.duration / longest) * 100)}%` } })),
      h('div', { class: 'trace-row-meta' },
        h('span', { class: 'span-count' }, `${trace.spans.length} span${trace.spans.length === 1 ? '' : 's'}`),
        [...trace.services].map(([service, count]) =>
          h('span', { class: 'chip', style: { borderColor: serviceColor(service) } }, h('span', { class: 'service-dot', style: { background: serviceColor(service) } }), `${service} (${count})`)),
        h('span', { class: 'muted trace-start', title: fullTime(trace.start) }, ago(trace.start)))));
}
