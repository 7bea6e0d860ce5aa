/**
 * The page's only way to build DOM: elements from a tag, attributes and
 * children, where every string child becomes a text node. Data from run
 * dirs (run names, class names, config values) is never parsed as HTML, so
 * a class folder named `<img src=x onerror=…>` shows as those characters.
 *
 * @example
 * h('td', { class: 'name', title: run.name }, run.name);
 */
/* global document */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Sets attributes, properties (`on*` handlers, `value`, `checked`) and dataset entries. */
function assign(node, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked') node[key] = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/**
 * An HTML element; string and number children are inserted as text.
 *
 * @example
 * h('a', { href: '#/runs' }, 'all runs');
 */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  assign(node, attrs);
  append(node, children);
  return node;
}

/**
 * An SVG element (same rules as `h`).
 *
 * @example
 * svg('line', { x1: 0, y1: 0, x2: 10, y2: 10, stroke: '#333' });
 */
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  assign(node, attrs);
  append(node, children);
  return node;
}

/**
 * Replaces every child of `node` with `children`.
 *
 * @example
 * replace(tbody, rows.map(rowOf));
 */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}
