// SLOs: per objective of Dashboard:Slos (observability/slos.yaml), the error budget left over the stored metrics,
// the burn rate over 5 m, 1 h and 6 h now and over the last hour, the alerts it fired, and the traces of its bad events.
import { h, replace, serviceColor, spinner, empty, problem } from '../dom.js';
import { lineChart } from '../charts.js';
import { percent, number, fullTime } from '../format.js';
import * as api from '../api.js';

const WINDOW_COLORS = { '5m': 'var(--accent)', '1h': '#d9822b', '6h': 'var(--muted)' };

export async function slosPage(main) {
  const list = h('div', { id: 'slo-list' });
  replace(main, h('div', { class: 'slos-page' },
    h('section', { class: 'card' },
      h('h2', {}, 'Service level objectives'),
      h('p', { class: 'muted' }, 'From the services\' server duration histograms, as the Prometheus rules generated from observability/slos.yaml compute them. '
        + 'A burn rate of 1 spends the error budget exactly over the SLO period; the page alert fires at 14.4 over 1 h and 5 m.')),
    list));
  const load = async () => {
    try {
      renderSlos(list, await api.slos());
    } catch (error) {
      replace(list, problem(error));
    }
  };
  replace(list, spinner());
  await load();
  const timer = setInterval(load, 30_000);
  return () => clearInterval(timer);
}

function renderSlos(container, slos) {
  if (slos.length === 0) {
    replace(container, empty('No SLOs configured (Dashboard:Slos; the AppHost passes observability/slos.yaml).'));
    return;
  }
  replace(container, slos.map(({ status, alerts }) => h('section', { class: 'card slo', dataset: { slo: status.name } },
    h('div', { class: 'toolbar' },
      h('h2', {}, h('span', { class: 'service-dot', style: { background: serviceColor(status.service) } }), status.name),
      h('span', { class: 'muted' }, `${status.service} · ${status.type}${status.threshold ? ` ≤ ${number(status.threshold * 1000, 0)} ms` : ''} · objective ${status.objective}%`)),
    h('p', { class: 'muted' }, status.description),
    h('table', { class: 'kv slo-figures' }, h('tbody', {},
      h('tr', {}, h('th', {}, 'Error budget left'), h('td', { class: ['budget', status.budgetRemaining !== null && status.budgetRemaining < 0 ? 'text-error' : ''] },
        status.budgetRemaining === null ? 'no requests yet'
          : status.budgetRemaining < 0 ? `none: overspent by ${percent(-status.budgetRemaining)} of the budget` : percent(status.budgetRemaining),
        h('span', { class: 'muted' }, ` over the last ${number(status.budgetWindowSeconds / 3600, 0)} h stored (${number(status.badRequests, 0)} bad of ${number(status.requests, 0)})`))),
      h('tr', {}, h('th', {}, 'Burn rate now'), h('td', { class: 'burn-now' },
        Object.entries(status.burnRates).map(([window, rate]) => h('span', { class: ['burn', rate >= 1 ? 'text-error' : ''], dataset: { window } }, `${window}: ${rate === null ? '–' : number(rate, 2)} `)))))),
    h('div', { class: 'charts' },
      status.history.length === 0 ? empty('No history yet.')
        : lineChart('burn', 'Burn rate, last hour', status.history,
          Object.keys(status.burnRates).map((window) => ({ name: window, color: WINDOW_COLORS[window] || 'var(--muted)', values: status.history.map((p) => p.burnRates[window]) })),
          (v) => number(v, 2))),
    h('h3', {}, 'Alerts'),
    alerts.length === 0 ? h('p', { class: 'muted' }, 'None received.')
      : h('ul', { class: 'slo-alerts' }, alerts.map((alert) => h('li', { dataset: { status: alert.status } },
        h('a', { href: '/alerts', 'data-nav': '' }, `${alert.alertName} (${alert.severity || 'no severity'}) ${alert.status}`),
        h('span', { class: 'muted' }, ` since ${fullTime(new Date(alert.startsAt).getTime() * 1000)}`)))),
    h('p', {}, h('a', { class: 'bad-events', href: badEvents(status), 'data-nav': '' }, 'Traces of bad events')))));
}

// A trace search for the SLO's bad events: errors for availability, slower than the threshold for latency.
function badEvents(status) {
  const params = new URLSearchParams({ service: status.service });
  const route = status.selector.http_route || status.selector['http.route'];
  const method = status.selector.http_request_method || status.selector['http.request.method'];
  if (route && method) params.set('operation', `${method} ${route}`);
  if (status.type.endsWith('latency')) params.set('minDuration', `${Math.round(status.threshold * 1000)}ms`);
  else params.set('tags', 'error=true');
  return `/search?${params}`;
}
