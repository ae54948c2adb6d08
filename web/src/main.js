// karakuri's page: a hash router over the views, and the token form.
import './style.css';
import * as api from './api.js';
import { h, clear, note, pageHref } from './dom.js';
import { overview } from './overview.js';
import { sessions } from './sessions.js';
import { session } from './session.js';
import { intrusions, graph } from './graph.js';
import { hosts } from './hosts.js';
import { ports } from './ports.js';

const NAV = [
  ['overview', 'Overview'], ['sessions', 'Sessions'], ['intrusions', 'Intrusions'],
  ['hosts', 'Hosts'], ['ports', 'Ports & payloads'],
];

const VIEWS = { overview, sessions, session, intrusions, graph, hosts, ports };

let current = null; // {abort: AbortController, cleanup: fn}

function nav(active) {
  const el = clear(document.getElementById('nav'));
  for (const [k, label] of NAV) {
    el.appendChild(h('a', { href: pageHref(k), class: k === active ? 'active' : null }, label));
  }
  el.appendChild(h('a', { href: pageHref('logout'), class: 'right' }, 'Forget token'));
}

function askToken(main, why) {
  nav('');
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off',
    placeholder: '64 hex digits', 'aria-label': 'token' });
  const form = h('form', { id: 'token-form', on: { submit: (e) => {
    e.preventDefault();
    api.setToken(input.value.trim());
    route();
  } } },
  h('p', null, 'The API token is in <store dir>/web.token on the sensor.'),
  why ? note(why, 'error') : null, input, h('button', { type: 'submit' }, 'Open'));
  clear(main).appendChild(form);
  input.focus();
}

async function route() {
  if (current) current.cleanup();
  const abort = new AbortController();
  const cleanups = [];
  current = { cleanup: () => { abort.abort(); cleanups.forEach((f) => f()); } };
  const main = document.getElementById('main');
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const name = parts[0] || 'overview';
  if (name === 'logout') {
    api.setToken('');
    location.hash = '#/overview';
    return;
  }
  if (!api.token()) return askToken(main, null);
  try {
    await api.loadRoutes();
  } catch (e) {
    return askToken(main, e.status === 401 ? 'That token was refused.' : String(e.message));
  }
  nav(name === 'session' ? 'sessions' : name === 'graph' ? 'intrusions' : name);
  const view = VIEWS[name];
  clear(main);
  if (!view) {
    main.appendChild(note('No such view.'));
    return;
  }
  const ctx = { signal: abort.signal, onCleanup: (f) => cleanups.push(f) };
  try {
    const node = await view(parts[1], ctx);
    if (abort.signal.aborted) return;
    clear(main).appendChild(node);
    if (node.mounted) node.mounted(ctx);
  } catch (e) {
    if (abort.signal.aborted) return;
    if (e.status === 401) return askToken(main, 'The token was refused.');
    clear(main).appendChild(note(String(e.message), 'error'));
  }
}

window.addEventListener('hashchange', route);
route();
