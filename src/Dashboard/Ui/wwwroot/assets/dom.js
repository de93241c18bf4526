// Tiny DOM helpers. Data always goes in as text (textContent), never as HTML; styles go through
// the CSSOM, which the Content-Security-Policy (style-src 'self') allows.

/** Creates an element: h('a', {href: '/x', class: 'y', onclick: fn, style: {left: '3px'}}, 'text', child). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  applyAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** Creates an SVG element; attributes are set as SVG presentation attributes. */
export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'style') Object.assign(element.style, value); // CSSOM: the CSP allows no inline style attribute
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function applyAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (name === 'style') Object.assign(element.style, value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name in element && typeof value !== 'string') element[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of an element. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

// Service colours: distinct for up to eight services and none of them near the error red, so a healthy trace never
// looks failed. app.js assigns them in name order from /api/services when the page loads, so a service keeps its
// colour on every page; a service first seen later takes the first free colour from its name's hash on.
const PALETTE = ['#2f6fed', '#11a37f', '#d9822b', '#8e44ad', '#b7950b', '#2c3e91', '#7cb342', '#546e7a'];
const assignedColors = new Map();

/** Gives the services their colours in name order (called once with the known services). */
export function assignServiceColors(names) {
  for (const name of [...names].sort()) serviceColor(name);
}

/** The colour of a service: the one it was assigned, else the first free one from its name's hash. */
export function serviceColor(name) {
  const key = name || '';
  if (assignedColors.has(key)) return assignedColors.get(key);
  let hash = 0;
  for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const taken = new Set(assignedColors.values());
  let color = PALETTE[hash % PALETTE.length];
  for (let i = 0; i < PALETTE.length; i++) {
    const candidate = PALETTE[(hash + i) % PALETTE.length];
    if (!taken.has(candidate)) { color = candidate; break; }
  }
  assignedColors.set(key, color);
  return color;
}

export function spinner(text = 'Loading…') {
  return h('div', { class: 'placeholder' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function empty(text) {
  return h('div', { class: 'placeholder' }, text);
}

export function problem(error) {
  return h('div', { class: 'placeholder error', role: 'alert' }, `Could not load: ${error.message || error}`);
}
