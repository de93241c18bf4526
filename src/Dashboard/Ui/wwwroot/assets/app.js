// The single-page shell: history routing between pages, the trace-id box, the status bar.
import { replace, h, problem, assignServiceColors } from './dom.js';
import { parseTraceId } from './format.js';
import * as api from './api.js';
import { navigate, onNavigate } from './router.js';
import { searchPage } from './pages/search.js';
import { tracePage } from './pages/trace.js';
import { logsPage } from './pages/logs.js';
import { dependenciesPage } from './pages/dependencies.js';
import { metricsPage } from './pages/metrics.js';
import { alertsPage } from './pages/alerts.js';
import { slosPage } from './pages/slos.js';

const main = document.getElementById('app');
let cleanup = null;

const routes = [
  { pattern: /^\/trace\/([^/]+)$/, page: 'search', render: (m) => tracePage(main, decodeURIComponent(m[1])) },
  { pattern: /^\/logs$/, page: 'logs', render: () => logsPage(main) },
  { pattern: /^\/dependencies$/, page: 'dependencies', render: () => dependenciesPage(main) },
  { pattern: /^\/metrics$/, page: 'metrics', render: () => metricsPage(main) },
  { pattern: /^\/slos$/, page: 'slos', render: () => slosPage(main) },
  { pattern: /^\/alerts$/, page: 'alerts', render: () => alertsPage(main) },
  { pattern: /^\/(search)?$/, page: 'search', render: () => searchPage(main) },
];

async function render() {
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  const route = routes.find((r) => r.pattern.test(location.pathname));
  for (const link of document.querySelectorAll('.tabs a')) {
    link.classList.toggle('active', link.dataset.page === route?.page);
  }
  if (!route) {
    replace(main, h('div', { class: 'placeholder' }, 'No such page.'));
    return;
  }
  try {
    cleanup = await route.render(location.pathname.match(route.pattern));
  } catch (error) {
    replace(main, problem(error));
  }
}

// Links marked data-nav, and any same-origin link inside the app, navigate without a reload.
document.addEventListener('click', (event) => {
  const link = event.target.closest('a');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || link.target) return;
  const url = new URL(link.href, location.origin);
  if (url.origin !== location.origin || !(link.hasAttribute('data-nav') || main.contains(link))) return;
  event.preventDefault();
  navigate(url);
});

onNavigate(render);
window.addEventListener('popstate', render);

document.getElementById('trace-lookup').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('trace-lookup-input');
  const traceId = parseTraceId(input.value);
  if (!traceId) {
    input.setCustomValidity('Paste a 32-digit trace id or a traceparent/traceresponse value (00-…-…-01).');
    input.reportValidity();
    return;
  }
  input.setCustomValidity('');
  input.value = '';
  navigate(`/trace/${traceId}`);
});
document.getElementById('trace-lookup-input').addEventListener('input', (e) => e.target.setCustomValidity(''));

async function refreshStatus() {
  const bar = document.getElementById('statusbar');
  try {
    const status = await api.status();
    const sampling = status.sampling
      ? ` · sampling kept ${status.sampling.tracesKeptError + status.sampling.tracesKeptSlow + status.sampling.tracesKeptRatio + status.sampling.tracesKeptBudget} / dropped ${status.sampling.tracesDropped} traces`
      : '';
    const forwarding = status.forwarding.endpoint ? ` · forwarding to ${status.forwarding.endpoint} (${status.forwarding.failedRequests} failed)` : '';
    replace(bar,
      `${status.spans.spans.toLocaleString()} / ${status.spans.capacity.toLocaleString()} spans · ${status.spans.traces.toLocaleString()} traces · `
      + `${status.logs.records.toLocaleString()} log records · ${status.metrics.series.toLocaleString()} metric series${sampling}${forwarding}`,
      h('span', { class: 'muted' }, ` · OTLP ${status.listeners.otlpGrpc} (gRPC), ${status.listeners.otlpHttp} (HTTP)`));
  } catch {
    replace(bar, 'Status unavailable');
  }
}

// Colours in service-name order before the first page draws, the same on every page (a failed call leaves hashes).
try { assignServiceColors(await api.services()); } catch { /* signed out or unreachable: colours come from hashes */ }
render();
refreshStatus();
setInterval(refreshStatus, 10_000);
