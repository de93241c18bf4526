// Alerts: what Alertmanager sent to /api/alerts/webhook, newest first, each with its root-cause
// analysis (the likely cause, the operations dominating the bad traces' critical paths, where errors
// originate, attributes the bad traces share) and links to the sample traces and their logs.
// "Analyse" runs the same analysis on demand for a service and time range (/api/rca).
import { h, replace, serviceColor, spinner, empty, problem } from '../dom.js';
import { time, fullTime, duration, percent, number, shortId } from '../format.js';
import { setQuery } from '../router.js';
import * as api from '../api.js';

const LOOKBACKS = [['5m', 'Last 5 minutes'], ['15m', 'Last 15 minutes'], ['1h', 'Last hour'], ['6h', 'Last 6 hours']];

export async function alertsPage(main) {
  const query = new URLSearchParams(location.search);
  const list = h('div', { id: 'alerts-list' });
  const serviceSelect = h('select', { id: 'rca-service' });
  const lookback = h('select', { id: 'rca-lookback' }, LOOKBACKS.map(([value, label]) => h('option', { value, selected: value === (query.get('lookback') || '15m') }, label)));
  const onDemand = h('div', { id: 'rca-result' });
  const form = h('form', { class: 'filters', id: 'rca-form' },
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Service'), serviceSelect),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Time'), lookback),
    h('button', { type: 'submit', class: 'primary' }, 'Analyse'));
  replace(main, h('div', { class: 'alerts-page' },
    h('section', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', {}, 'Alerts')),
      h('p', { class: 'muted' }, 'SLO alerts Alertmanager delivered to this dashboard, each analysed over the traces of the alerting service.'),
      list),
    h('section', { class: 'card' },
      h('div', { class: 'toolbar' }, h('h2', {}, 'Analyse a service now')), form, onDemand)));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setQuery({ service: serviceSelect.value, lookback: lookback.value });
    replace(onDemand, spinner('Analysing…'));
    try {
      replace(onDemand, reportView(await api.rca({ service: serviceSelect.value, lookback: lookback.value })));
    } catch (error) {
      replace(onDemand, problem(error));
    }
  });

  const load = async () => {
    try {
      const alerts = await api.alerts();
      replace(list, alerts.length === 0
        ? empty('No alerts received. Alertmanager posts them to /api/alerts/webhook (see observability/alertmanager.template.yml).')
        : alerts.map(alertView));
    } catch (error) {
      replace(list, problem(error));
    }
  };
  replace(list, spinner());
  const services = await api.services().catch(() => []);
  replace(serviceSelect, services.length === 0 ? h('option', { value: '' }, 'No traces yet')
    : services.map((name) => h('option', { value: name, selected: name === query.get('service') }, name)));
  await load();
  const timer = setInterval(load, 10_000);
  return () => clearInterval(timer);
}

function alertView(alert) {
  const labels = Object.entries(alert.labels).filter(([key]) => key !== 'alertname');
  const started = Date.parse(alert.startsAt) * 1000;
  return h('article', { class: ['alert', `alert-${alert.status}`], dataset: { alertId: alert.id, status: alert.status } },
    h('header', { class: 'alert-head' },
      h('span', { class: ['badge', alert.status === 'firing' ? 'error' : ''] }, alert.status),
      h('strong', {}, alert.alertName || '(no alertname)'),
      alert.service ? h('span', { class: 'nowrap' }, h('span', { class: 'service-dot', style: { background: serviceColor(alert.service) } }), alert.service) : null,
      h('span', { class: 'muted small', title: fullTime(started) }, `since ${time(started)}`),
      alert.generatorURL ? h('a', { href: alert.generatorURL, class: 'small', target: '_blank', rel: 'noreferrer' }, 'Prometheus') : null),
    alert.annotations.summary ? h('p', {}, alert.annotations.summary) : null,
    h('p', { class: 'muted small mono' }, labels.map(([key, value]) => `${key}=${value}`).join('  ')),
    alert.report ? reportView(alert.report) : h('p', { class: 'muted' }, alert.reportProblem || (alert.analysisPending ? 'Analysis pending: reload in a moment.' : 'Not analysed.')));
}

/** A root-cause report: cause, summary, and the tables behind it. */
export function reportView(report) {
  const cause = report.cause;
  return h('div', { class: 'rca-report' },
    cause
      ? h('p', { class: 'rca-cause' }, 'Likely cause: ',
        h('span', { class: 'service-dot', style: { background: serviceColor(cause.service) } }),
        h('strong', { class: 'rca-cause-service' }, cause.service), ' ',
        h('strong', { class: 'mono rca-cause-operation' }, cause.operation),
        h('span', { class: 'muted' }, ` (${cause.kind}: ${cause.evidence})`))
      : null,
    h('p', { class: 'muted small' }, report.summary,
      ` Window ${time(report.start)} – ${time(report.end)}; ${report.traces} traces, ${report.errorTraces} erroring, ${report.slowTraces} slow`
      + (report.slowTraces > 0 ? ` (≥ ${duration(report.slowThreshold)})` : '') + '.'),
    table('Dominant operations (self time on the critical path of bad traces)', ['Service', 'Operation', 'Mostly in', 'Self time', 'Elsewhere', 'Share'],
      report.dominantOperations.map((o) => [o.service, mono(o.operation), mono(o.span), duration(o.selfTime), duration(o.baseline), percent(o.share)])),
    table('Where errors originate', ['Service', 'Operation', 'Span', 'Traces', 'Share', 'Status'],
      report.errorOrigins.map((o) => [o.service, mono(o.operation), mono(o.span), String(o.traces), percent(o.share), o.statusMessage || o.errorType || ''])),
    table('Attributes the bad traces share', ['Attribute', 'Bad traces', 'All traces', 'Coverage', 'Lift'],
      report.commonAttributes.map((a) => [mono(`${a.key}=${a.value}`), String(a.badTraces), String(a.allTraces), percent(a.coverage), `${number(a.lift, 2)}×`])),
    table('Traces to look at', ['Trace', 'Root', 'Started', 'Duration', 'Spans', 'Logs'],
      report.traceSamples.map((t) => [
        h('a', { href: `/trace/${t.traceId}`, class: 'mono trace-link', title: t.traceId }, shortId(t.traceId), t.error ? h('span', { class: 'badge error' }, 'error') : null),
        h('span', {}, `${t.service} `, mono(t.operation)),
        time(t.start), duration(t.duration), String(t.spans),
        h('a', { href: `/logs?traceId=${t.traceId}`, class: 'logs-link' }, 'logs')])));
}

function mono(text) {
  return h('span', { class: 'mono' }, text);
}

function table(title, headers, rows) {
  if (rows.length === 0) return null;
  return h('div', { class: 'rca-section' }, h('h3', {}, title),
    h('table', { class: 'metrics-table rca-table' },
      h('thead', {}, h('tr', {}, headers.map((header) => h('th', {}, header)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell) => h('td', {}, cell)))))));
}
