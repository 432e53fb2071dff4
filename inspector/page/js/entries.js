// @ts-check
/**
 * The rows of the event log and the engine timeline.
 *
 * @typedef {import('../../src/protocol.js').TimelineEntry} TimelineEntry
 */
import { clock, h, summary, typeOf, valueText } from './dom.js';

/**
 * A row of a session's event log: an event it received (with the state after it) or one it
 * emitted.
 * @param {Exclude<TimelineEntry, { kind: 'engine' }>} e
 */
export function logRow(e) {
  if (e.kind === 'emitted') {
    return h('li', { class: 'entry emitted', 'data-seq': String(e.seq), 'data-kind': 'emitted' }, [
      h('time', {}, [clock(e.time)]),
      h('span', { class: 'dir', title: 'emitted' }, ['←']),
      h('span', { class: 'type' }, [typeOf(e.emitted)]),
      h('span', { class: 'detail' }, [summary(e.emitted)]),
    ]);
  }
  return h('li', { class: 'entry received', 'data-seq': String(e.seq), 'data-kind': 'received' }, [
    h('time', {}, [clock(e.time)]),
    h('span', { class: 'dir', title: 'received' }, ['→']),
    h('span', { class: 'type' }, [typeOf(e.event)]),
    h('span', { class: 'detail' }, [summary(e.event)]),
    h('span', { class: 'after' }, [
      `${e.machine === 'session' ? '' : `${e.machine}: `}${valueText(e.value)}`,
    ]),
  ]);
}

/**
 * A row of the engine timeline.
 * @param {Extract<TimelineEntry, { kind: 'engine' }>} e
 */
export function engineRow(e) {
  return h('li', { class: 'entry engine', 'data-seq': String(e.seq) }, [
    h('time', {}, [clock(e.time)]),
    h('span', { class: 'who' }, [e.engine]),
    h('span', { class: 'type' }, [typeOf(e.event)]),
    h('span', { class: 'detail' }, [summary(e.event)]),
  ]);
}

/**
 * Appends rows, keeping the newest `maxRows`. A list scrolled to its end stays there through
 * CSS scroll anchoring (style.css), so appending never reads layout.
 * @param {HTMLElement} list
 * @param {HTMLElement[]} rows
 * @param {number} maxRows
 */
export function appendRows(list, rows, maxRows) {
  if (rows.length === 0) return;
  const anchor =
    list.querySelector(':scope > .anchor') ?? h('li', { class: 'anchor', 'aria-hidden': 'true' });
  list.append(...rows.slice(-maxRows), anchor);
  while (list.childElementCount > maxRows + 1) list.firstElementChild?.remove();
}
