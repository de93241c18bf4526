// A Jaeger trace (from /api/traces) as a tree the pages can draw.

/** True when a span carries Jaeger's error tag (OTLP status Error). */
export function isError(span) {
  return span.tags.some((t) => t.key === 'error' && (t.value === true || t.value === 'true'));
}

export function tag(span, key) {
  return span.tags.find((t) => t.key === key)?.value;
}

/**
 * Spans with service, depth, children and their order in a depth-first walk (children by start
 * time). Spans whose parent is missing become roots. Returns { spans, roots, start, end, ... }.
 */
export function buildTrace(trace) {
  const byId = new Map();
  for (const raw of trace.spans) {
    const process = trace.processes[raw.processID] || { serviceName: 'unknown', tags: [] };
    byId.set(raw.spanID, { ...raw, service: process.serviceName, process, children: [], depth: 0, error: isError(raw) });
  }

  const roots = [];
  for (const span of byId.values()) {
    const parentRef = span.references.find((r) => r.refType === 'CHILD_OF' && r.traceID === span.traceID);
    const parent = parentRef && byId.get(parentRef.spanID);
    span.parent = parent || null;
    if (parent) parent.children.push(span);
    else roots.push(span);
  }

  const byStart = (a, b) => a.startTime - b.startTime || a.spanID.localeCompare(b.spanID);
  roots.sort(byStart);
  const ordered = [];
  const visit = (span, depth) => {
    span.depth = depth;
    ordered.push(span);
    span.children.sort(byStart);
    for (const child of span.children) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);

  const start = Math.min(...ordered.map((s) => s.startTime));
  const end = Math.max(...ordered.map((s) => s.startTime + s.duration));
  const services = new Map();
  for (const span of ordered) services.set(span.service, (services.get(span.service) || 0) + 1);
  const root = roots.reduce((a, b) => (b.duration > a.duration ? b : a), roots[0]);
  return {
    traceID: trace.traceID,
    spans: ordered,
    byId,
    roots,
    root,
    start,
    end,
    duration: end - start,
    services,
    errors: ordered.filter((s) => s.error).length,
    depth: Math.max(...ordered.map((s) => s.depth)) + 1,
  };
}

/** Jaeger's tag search syntax, "key=value key2="a b"", to an object for the tags parameter. */
export function parseTags(text) {
  const tags = {};
  const pattern = /([^\s=]+)=("([^"]*)"|(\S*))/g;
  let match;
  while ((match = pattern.exec(text || '')) !== null) tags[match[1]] = match[3] ?? match[4] ?? '';
  return tags;
}
