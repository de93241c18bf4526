// Logs: filter by service, minimum severity, text and trace id; newest first with "Load more";
// every record with a trace id links to its trace (and span).
import { h, replace, serviceColor, spinner, empty, problem } from '../dom.js';
import { time, fullTime, duration, parseTraceId, shortId } from '../format.js';
import { setQuery } from '../router.js';
import * as api from '../api.js';

const SEVERITIES = [['', 'Any severity'], ['debug', 'Debug and above'], ['info', 'Info and above'], ['warn', 'Warnings and above'], ['error', 'Errors and above'], ['fatal', 'Fatal']];
const PAGE = 100;

export async function logsPage(main) {
  const query = new URLSearchParams(location.search);
  const serviceSelect = h('select', { id: 'logs-service' }, h('option', { value: '' }, 'All services'));
  const severitySelect = h('select', { id: 'logs-severity' }, SEVERITIES.map(([value, label]) => h('option', { value, selected: value === (query.get('severity') || '') }, label)));
  const textInput = h('input', { id: 'logs-text', type: 'search', placeholder: 'Text in message or attributes', value: query.get('text') || '' });
  const traceInput = h('input', { id: 'logs-trace', placeholder: 'Trace id', value: query.get('traceId') || '', size: 34, spellcheck: false });
  const results = h('div', { id: 'logs-results' });
  const form = h('form', { class: 'card filters', id: 'logs-form' },
    filter('Service', serviceSelect), filter('Severity', severitySelect), filter('Text', textInput), filter('Trace', traceInput),
    h('button', { type: 'submit', class: 'primary' }, 'Show logs'));
  replace(main, h('div', { class: 'logs-page' }, form, h('section', { class: 'card' }, results)));

  const records = [];
  const load = async (more) => {
    const traceId = traceInput.value.trim() ? parseTraceId(traceInput.value) : '';
    if (traceId === null) {
      replace(results, problem(new Error('That is not a trace id.')));
      return;
    }
    const params = { service: serviceSelect.value, severity: severitySelect.value, text: textInput.value.trim(), traceId };
    setQuery(params);
    if (!more) {
      records.length = 0;
      replace(results, spinner());
    }
    try {
      const page = await api.logs({ ...params, limit: PAGE, before: more ? records[records.length - 1]?.seq : undefined });
      records.push(...page);
      if (records.length === 0) {
        replace(results, empty('No log records match.'));
        return;
      }
      const moreButton = page.length === PAGE ? h('button', { type: 'button', class: 'secondary', id: 'logs-more', onclick: () => load(true) }, 'Load older') : null;
      replace(results, h('p', { class: 'muted' }, `${records.length} record${records.length === 1 ? '' : 's'}, newest first`), logTable(records), moreButton);
    } catch (error) {
      replace(results, problem(error));
    }
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); load(false); });

  try {
    const services = await api.logServices();
    replace(serviceSelect, h('option', { value: '' }, 'All services'), services.map((name) => h('option', { value: name, selected: name === query.get('service') }, name)));
  } catch { /* the list stays "All services" */ }
  await load(false);
}

function filter(label, control) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
}

/**
 * A table of log records. With traceStart, times show as offsets into the trace; onSpan makes the
 * span column a button (inside a trace view) instead of a link to the trace.
 */
export function logTable(records, { traceStart, onSpan } = {}) {
  return h('table', { class: 'log-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Service'), h('th', {}, 'Level'), h('th', {}, 'Message'), h('th', {}, onSpan ? 'Span' : 'Trace'))),
    h('tbody', {}, records.map((record) => h('tr', { class: `severity-${record.severity.toLowerCase()}`, dataset: { traceId: record.traceID || '' } },
      h('td', { class: 'mono nowrap', title: fullTime(record.timestamp) }, traceStart ? `+${duration(record.timestamp - traceStart)}` : time(record.timestamp)),
      h('td', { class: 'nowrap' }, h('span', { class: 'service-dot', style: { background: serviceColor(record.service) } }), record.service),
      h('td', {}, h('span', { class: `badge level-${record.severity.toLowerCase()}` }, record.severityText || record.severity)),
      h('td', { class: 'message' }, record.body, record.scope ? h('div', { class: 'muted small' }, record.scope) : null,
        attributeSummary(record.attributes)),
      h('td', { class: 'nowrap' }, traceCell(record, onSpan))))));
}

function traceCell(record, onSpan) {
  if (onSpan) {
    return record.spanID ? h('button', { type: 'button', class: 'link-button mono', onclick: () => onSpan(record.spanID) }, shortId(record.spanID)) : '–';
  }
  if (!record.traceID) return h('span', { class: 'muted' }, 'no trace');
  const href = `/trace/${record.traceID}${record.spanID ? `?span=${record.spanID}` : ''}`;
  return h('a', { href, class: 'mono trace-link', title: record.traceID }, shortId(record.traceID));
}

function attributeSummary(attributes) {
  const entries = (attributes || []).filter((a) => a.key !== '{OriginalFormat}');
  if (entries.length === 0) return null;
  return h('details', { class: 'attributes' }, h('summary', {}, `${entries.length} attribute${entries.length === 1 ? '' : 's'}`),
    h('table', { class: 'kv' }, h('tbody', {}, entries.map((a) => h('tr', {}, h('th', {}, a.key), h('td', {}, a.value))))));
}
