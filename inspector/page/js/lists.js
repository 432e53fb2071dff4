// @ts-check
/**
 * The side lists: sessions grouped by configuration, and links with the sessions holding them.
 *
 * @typedef {import('./model.js').Model} Model
 * @typedef {import('../../src/protocol.js').SessionInfo} SessionInfo
 */
import { h, shortId, valueText } from './dom.js';

/** Sessions listed per configuration; the rest are counted (the selected one is always listed). */
export const maxListed = 100;

/**
 * @param {Model} model
 * @param {string | undefined} selected
 * @param {{ select: (id: string) => void, open: ((configurationId: string) => void) | undefined }} actions
 *   `open` only with control
 */
export function sessionGroups(model, selected, actions) {
  /** @type {Map<string, { name: string, sessions: SessionInfo[] }>} */
  const groups = new Map();
  for (const [id, name] of model.configurations) groups.set(id, { name, sessions: [] });
  for (const l of model.links.values()) {
    if (!groups.has(l.configurationId)) {
      groups.set(l.configurationId, { name: l.configurationName, sessions: [] });
    }
  }
  for (const s of model.sessions.values()) {
    const group = groups.get(s.configurationId);
    if (group) group.sessions.push(s);
    else groups.set(s.configurationId, { name: s.configurationName, sessions: [s] });
  }
  return [...groups]
    .sort((a, b) => a[1].name.localeCompare(b[1].name))
    .map(([configurationId, { name, sessions }]) => {
      const listed = sessions.filter((s, i) => i < maxListed || s.id === selected);
      const items = listed.map((s) =>
        h('li', {}, [sessionButton(model, s, selected, actions.select)]),
      );
      if (listed.length < sessions.length) {
        items.push(h('li', { class: 'more' }, [`and ${sessions.length - listed.length} more`]));
      }
      const head = [h('h3', {}, [name]), h('span', { class: 'count' }, [String(sessions.length)])];
      const open = actions.open;
      if (open) {
        const button = h(
          'button',
          {
            type: 'button',
            class: 'small',
            'aria-label': `Open a session on ${name}`,
            'data-open-configuration': configurationId,
          },
          ['Open a session'],
        );
        button.addEventListener('click', () => open(configurationId));
        head.push(button);
      }
      return h(
        'section',
        {
          class: 'group',
          'aria-label': `Configuration ${name}`,
          'data-configuration': configurationId,
        },
        [h('div', { class: 'group-head' }, head), h('ul', { class: 'session-list' }, items)],
      );
    });
}

/**
 * @param {Model} model
 * @param {SessionInfo} s
 * @param {string | undefined} selected
 * @param {(id: string) => void} select
 */
function sessionButton(model, s, selected, select) {
  const holds = s.holds ?? (s.linkId ? [s.linkId] : []);
  const badges = [h('span', { class: `badge state-${s.state}` }, [s.state])];
  if (s.isOpen) badges.push(h('span', { class: 'badge open' }, ['open']));
  if (s.roaming !== undefined && s.roaming !== null) {
    badges.push(h('span', { class: 'badge roaming' }, [`roaming: ${valueText(s.roaming)}`]));
  }
  if (holds.length) {
    const names = holds.map((id) => linkName(model, id)).join(', ');
    badges.push(h('span', { class: 'holds' }, [`holds ${names}`]));
  }
  const button = h(
    'button',
    {
      type: 'button',
      class: 'session',
      'data-session': s.id,
      'data-state': s.state,
      'aria-pressed': String(s.id === selected),
      'aria-label': `Session ${s.id}: ${s.state}${s.isOpen ? ', open' : ''}`,
    },
    [h('span', { class: 'id' }, [shortId(s.id)]), ...badges],
  );
  button.addEventListener('click', () => select(s.id));
  return button;
}

/**
 * A link's name for people: its configuration and short id.
 * @param {Model} model
 * @param {string} id
 */
export function linkName(model, id) {
  const link = model.links.get(id);
  return link ? `${link.configurationName} (${shortId(id)})` : shortId(id);
}

/**
 * Every link: its state, engine, ownership, reference count and the sessions holding it.
 * @param {Model} model
 * @param {(id: string) => void} select
 */
export function linkItems(model, select) {
  return [...model.links.values()].map((l) =>
    h('li', { class: 'link', 'data-link': l.id, 'data-holders': String(l.holders.length) }, [
      h('div', { class: 'link-head' }, [
        h('strong', {}, [l.configurationName]),
        h('span', { class: `badge link-${l.status ?? ''}` }, [valueText(l.value)]),
      ]),
      h('div', { class: 'link-meta' }, [
        `${l.engine} · ${l.ownership ?? 'not up'} · refcount ${l.holders.length}`,
      ]),
      h(
        'ul',
        { class: 'holders', 'aria-label': `Sessions holding ${l.configurationName}` },
        l.holders.map((id) => {
          const b = h('button', { type: 'button', class: 'chip', 'data-session': id }, [
            shortId(id),
          ]);
          b.addEventListener('click', () => select(id));
          return h('li', {}, [b]);
        }),
      ),
    ]),
  );
}
