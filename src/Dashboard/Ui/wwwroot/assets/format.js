// Formatting of durations (microseconds, as Jaeger's API gives them), times and ids.

/** 1234 µs → "1.23 ms"; 2_500_000 → "2.5 s". */
export function duration(micros) {
  if (micros === null || micros === undefined || Number.isNaN(micros)) return '–';
  const abs = Math.abs(micros);
  if (abs < 1000) return `${round(micros, abs < 10 ? 2 : abs < 100 ? 1 : 0)} µs`;
  if (abs < 1_000_000) return `${round(micros / 1000, abs < 10_000 ? 2 : abs < 100_000 ? 1 : 0)} ms`;
  if (abs < 60_000_000) return `${round(micros / 1_000_000, 2)} s`;
  const minutes = Math.floor(abs / 60_000_000);
  return `${micros < 0 ? '-' : ''}${minutes} m ${round((abs % 60_000_000) / 1_000_000, 0)} s`;
}

/** Seconds (metrics) → same style as duration. */
export function seconds(value) {
  return value === null || value === undefined ? '–' : duration(value * 1_000_000);
}

function round(value, digits) {
  return Number(value.toFixed(digits)).toString();
}

/** Unix microseconds → "14:03:12.345" (local), with the date when not today. */
export function time(micros) {
  const date = new Date(micros / 1000);
  const clock = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const millis = String(date.getMilliseconds()).padStart(3, '0');
  const today = new Date().toDateString() === date.toDateString();
  return `${today ? '' : date.toLocaleDateString() + ' '}${clock}.${millis}`;
}

export function fullTime(micros) {
  return new Date(micros / 1000).toISOString();
}

/** "3 min ago". */
export function ago(micros) {
  const seconds = Math.round((Date.now() - micros / 1000) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

export function shortId(id) {
  return id ? id.slice(0, 7) : '';
}

export function percent(ratio) {
  if (ratio === null || ratio === undefined) return '–';
  const value = ratio * 100;
  return `${value === 0 ? '0' : value < 0.1 ? '<0.1' : value.toFixed(value < 10 ? 1 : 0)}%`;
}

export function number(value, digits = 1) {
  if (value === null || value === undefined) return '–';
  return value >= 100 ? Math.round(value).toLocaleString() : Number(value.toFixed(digits)).toLocaleString();
}

/**
 * A trace id from what a user pastes: 32 (or up to 32) hex digits, or a traceparent /
 * traceresponse value "00-{trace-id}-{span-id}-{flags}". Returns null when it is neither.
 */
export function parseTraceId(text) {
  const value = (text || '').trim().toLowerCase();
  const header = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(value);
  if (header) return header[1];
  return /^[0-9a-f]{1,32}$/.test(value) && !/^0+$/.test(value) ? value.padStart(32, '0') : null;
}
