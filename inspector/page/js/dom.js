// @ts-check
/** Small DOM helpers: text goes through textContent, never through HTML. */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | boolean | undefined>} [attributes]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, children = []) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') element.className = String(value);
    else element.setAttribute(key, value === true ? '' : value);
  }
  element.append(...children);
  return element;
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page lacks #${id}`);
  return element;
}

/** A short, readable form of an actor id. @param {string} id */
export function shortId(id) {
  return id.length > 10 ? `…${id.slice(-8)}` : id;
}

/**
 * A compact one-line form of a payload, without its `type`.
 * @param {unknown} value
 */
export function summary(value) {
  if (typeof value !== 'object' || value === null) return value === undefined ? '' : String(value);
  const { type: _type, ...rest } = /** @type {Record<string, unknown>} */ (value);
  if (Object.keys(rest).length === 0) return '';
  const text = JSON.stringify(rest);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/**
 * The `type` of an event payload, or its text.
 * @param {unknown} value
 */
export function typeOf(value) {
  if (typeof value === 'object' && value !== null && 'type' in value) {
    return String(/** @type {{ type: unknown }} */ (value).type);
  }
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/**
 * A state value as text: {Up: 'Owned'} is 'Up.Owned'.
 * @param {unknown} value
 * @returns {string}
 */
export function valueText(value) {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return '';
  return Object.entries(value)
    .map(([k, v]) => {
      const inner = valueText(v);
      return inner ? `${k}.${inner}` : k;
    })
    .join(', ');
}

/** @param {number} time epoch ms */
export function clock(time) {
  const d = new Date(time);
  const pad = (/** @type {number} */ n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
