// The service dependency graph from /api/dependencies: services in columns by call depth,
// edges from caller to callee labelled with call counts. Inline SVG.
import { h, s, replace, serviceColor, spinner, empty, problem } from '../dom.js';
import { setQuery } from '../router.js';
import * as api from '../api.js';

const LOOKBACKS = [['900000', 'Last 15 minutes'], ['3600000', 'Last hour'], ['21600000', 'Last 6 hours'], ['86400000', 'Last 24 hours'], ['172800000', 'Last 2 days']];
const NODE_WIDTH = 170;
const NODE_HEIGHT = 44;
const COLUMN_GAP = 110;
const ROW_GAP = 26;

export async function dependenciesPage(main) {
  const query = new URLSearchParams(location.search);
  const lookback = h('select', { id: 'dependencies-lookback' }, LOOKBACKS.map(([value, label]) => h('option', { value, selected: value === (query.get('lookback') || '3600000') }, label)));
  const graph = h('div', { class: 'graph', id: 'dependency-graph' });
  replace(main, h('div', { class: 'card' },
    h('div', { class: 'toolbar' }, h('h2', {}, 'Service dependencies'), h('label', { class: 'field inline' }, h('span', { class: 'field-label' }, 'Time'), lookback)),
    h('p', { class: 'muted' }, 'Calls between services, counted from client and server span pairs of the stored traces.'),
    graph));
  const load = async () => {
    setQuery({ lookback: lookback.value });
    replace(graph, spinner());
    try {
      const links = await api.dependencies(Number(lookback.value));
      replace(graph, links.length === 0 ? empty('No calls between services in this time range.') : draw(links));
    } catch (error) {
      replace(graph, problem(error));
    }
  };
  lookback.addEventListener('change', load);
  await load();
}

function draw(links) {
  const services = [...new Set(links.flatMap((l) => [l.parent, l.child]))].sort();
  const level = new Map(services.map((name) => [name, 0]));
  // Longest path from the callers; bounded passes keep cycles finite.
  for (let pass = 0; pass < services.length; pass++) {
    let changed = false;
    for (const link of links) {
      if (link.parent !== link.child && level.get(link.child) < level.get(link.parent) + 1) {
        level.set(link.child, level.get(link.parent) + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }

  const columns = new Map();
  for (const name of services) {
    const column = level.get(name);
    if (!columns.has(column)) columns.set(column, []);
    columns.get(column).push(name);
  }
  const tallest = Math.max(...[...columns.values()].map((c) => c.length));
  const height = tallest * (NODE_HEIGHT + ROW_GAP) + ROW_GAP;
  const width = columns.size * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP + 40;
  const positions = new Map();
  for (const [column, names] of columns) {
    const offset = (height - names.length * (NODE_HEIGHT + ROW_GAP) + ROW_GAP) / 2;
    names.forEach((name, row) => positions.set(name, { x: 20 + column * (NODE_WIDTH + COLUMN_GAP), y: offset + row * (NODE_HEIGHT + ROW_GAP) }));
  }

  const edges = links.map((link) => {
    const from = positions.get(link.parent);
    const to = positions.get(link.child);
    const [x1, y1, x2, y2] = [from.x + NODE_WIDTH, from.y + NODE_HEIGHT / 2, to.x, to.y + NODE_HEIGHT / 2];
    const bend = Math.max(40, Math.abs(x2 - x1) / 2);
    const path = `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
    return s('g', { class: 'edge', 'data-parent': link.parent, 'data-child': link.child },
      s('path', { d: path, 'marker-end': 'url(#arrow)' }),
      s('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 6, 'text-anchor': 'middle', class: 'edge-label' }, `${link.callCount.toLocaleString()} call${link.callCount === 1 ? '' : 's'}`));
  });
  const nodes = services.map((name) => {
    const { x, y } = positions.get(name);
    return s('g', { class: 'node', 'data-service': name },
      s('rect', { x, y, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 8 }),
      s('rect', { x, y, width: 6, height: NODE_HEIGHT, rx: 3, fill: serviceColor(name) }),
      s('text', { x: x + NODE_WIDTH / 2 + 3, y: y + NODE_HEIGHT / 2 + 5, 'text-anchor': 'middle' }, name));
  });

  return s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'Service dependency graph' },
    s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
      s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }))),
    edges, nodes);
}
