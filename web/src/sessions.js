// The sessions table with a search over every column.
import * as api from './api.js';
import { h, clear, note, printable, fmtTime, fmtDuration, pageHref, table } from './dom.js';

const COLS = ['start', 'session', 'src_ip', 'username', 'password', 'honeynet', 'host',
  'commands', 'failed_logins', 'duration_ms', 'reason'];

function row(s) {
  return h('tr', { 'data-id': s.session },
    h('td', null, fmtTime(s.start)),
    h('td', null, h('a', { href: pageHref('session', s.session) }, printable(s.session))),
    h('td', null, printable(s.src_ip)),
    h('td', { class: 'user' }, printable(s.username)),
    h('td', null, printable(s.password)),
    h('td', null, printable(s.honeynet)),
    h('td', null, printable(s.host || s.host_ip)),
    h('td', { class: 'num' }, s.commands),
    h('td', { class: 'num' }, s.failed_logins),
    h('td', null, fmtDuration(s.duration_ms)),
    h('td', null, printable(s.reason)));
}

export function matches(s, q) {
  if (!q) return true;
  const needle = q.toLowerCase();
  return COLS.some((k) => s[k] !== undefined && s[k] !== null &&
    String(s[k]).toLowerCase().includes(needle));
}

export async function sessions(query) {
  const list = await api.get('sessions');
  list.sort((a, b) => String(b.start || '').localeCompare(String(a.start || '')));
  const body = h('tbody');
  const count = h('span', { class: 'count' });
  const search = h('input', { type: 'search', id: 'session-search', placeholder: 'search',
    value: query || '', 'aria-label': 'search sessions' });
  const render = () => {
    const shown = list.filter((s) => matches(s, search.value.trim()));
    clear(body);
    shown.slice(0, 2000).forEach((s) => body.appendChild(row(s)));
    count.textContent = shown.length + ' of ' + list.length + ' sessions' +
      (shown.length > 2000 ? ' (first 2000 shown)' : '');
  };
  search.addEventListener('input', render);
  render();
  const t = table(['start', 'session', 'source', 'user', 'password', 'honeynet', 'host',
    'cmds', 'failed', 'duration', 'closed'], []);
  t.replaceChild(body, t.querySelector('tbody'));
  t.id = 'sessions-table';
  return h('section', null, h('h1', null, 'Sessions'), h('div', { class: 'bar' }, search, count),
    list.length ? t : note('No session recorded yet.'));
}
