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

/** A consistent color per service name (hue from a string hash). */
export function serviceColor(name) {
  let hash = 0;
  for (const char of name || '') hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const palette = ['#2f6fed', '#11a37f', '#d9822b', '#8e44ad', '#c0392b', '#16a085', '#b7950b', '#2c3e91', '#e84393', '#6c5ce7', '#00838f', '#7f8c8d'];
  return palette[hash % palette.length];
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
