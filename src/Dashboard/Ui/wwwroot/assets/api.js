// The dashboard's HTTP API: Jaeger's /api (services, operations, traces, dependencies) and its own
// (logs, metrics, status, alerts and root-cause analyses). Every answer is Jaeger's envelope {data, total, limit, offset, errors}.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function get(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, item);
  }
  const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (response.status === 401) {
    location.href = `/login?returnUrl=${encodeURIComponent(location.pathname + location.search)}`;
    throw new ApiError(401, 'sign-in required');
  }
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) {
    const message = body?.errors?.[0]?.msg || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return body;
}

export const services = async () => (await get('/api/services')).data || [];
export const operations = async (service) => (await get('/api/operations', { service })).data || [];
export const searchTraces = async (params) => (await get('/api/traces', params)).data || [];
export const trace = async (traceId) => (await get(`/api/traces/${encodeURIComponent(traceId)}`)).data?.[0];
export const criticalPath = async (traceId) => (await get(`/api/traces/${encodeURIComponent(traceId)}/critical-path`)).data;
export const dependencies = async (lookbackMs) => (await get('/api/dependencies', { lookback: lookbackMs, endTs: Date.now() })).data || [];
export const logs = async (params) => (await get('/api/logs', params)).data || [];
export const logServices = async () => (await get('/api/logs/services')).data || [];
export const routes = async (window) => (await get('/api/metrics/routes', { window })).data || [];
export const slos = async () => (await get('/api/slos')).data || [];
export const routeHistory = async (window) => (await get('/api/metrics/routes/history', { window })).data || [];
export const instruments = async (service) => (await get('/api/metrics/instruments', { service })).data || [];
export const series = async (service, name) => (await get('/api/metrics/series', { service, name })).data || [];
export const status = async () => (await get('/api/status')).data;
export const alerts = async () => (await get('/api/alerts')).data || [];
export const rca = async (params) => (await get('/api/rca', params)).data;
