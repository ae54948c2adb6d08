// One session: its terminal played back (asciinema-player, the recording
// fetched with the token and handed over as data) beside its commands,
// files and downloads, from sessions/ID (what `karakuri session ID` shows).
import * as AsciinemaPlayer from 'asciinema-player';
import * as api from './api.js';
import { h, clear, note, printable, fmtTime, fmtDuration, table } from './dom.js';

function pick(events, types) {
  return events.filter((e) => types.includes(e.type));
}

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => [h('dt', null, k), h('dd', null, printable(v))]));
}

async function play(el, id, n, signal) {
  clear(el);
  if (!api.has('/sessions/{id}/tty/{n}')) {
    el.appendChild(note('Terminal playback: this karakuri does not serve sessions/ID/tty/N yet.'));
    return;
  }
  let cast;
  try {
    cast = await api.getText('sessions/' + encodeURIComponent(id) + '/tty/' + n, { signal });
  } catch (e) {
    if (!signal.aborted) el.appendChild(note('Terminal playback: ' + e.message));
    return;
  }
  if (signal.aborted) return;
  const box = h('div', { class: 'player', id: 'player' });
  el.appendChild(box);
  AsciinemaPlayer.create({ data: cast }, box, {
    autoPlay: true, idleTimeLimit: 1, speed: 2, fit: 'width', terminalFontSize: 'small',
  });
}

export async function session(id, ctx) {
  const events = await api.get('sessions/' + encodeURIComponent(id));
  const first = events.find((e) => e.type === 'session.connect') || events[0] || {};
  const login = events.find((e) => e.type === 'login.success') || {};
  const closed = events.find((e) => e.type === 'session.closed') || {};
  const ttys = pick(events, ['tty.log']);

  const cmds = pick(events, ['command.input', 'command.exec']).map((e) =>
    h('tr', null, h('td', null, fmtTime(e.ts)), h('td', null, e.type === 'command.exec' ? 'exec' : 'shell'),
      h('td', { class: 'cmd' }, printable(e.input !== undefined ? e.input : e.command))));
  const files = pick(events, ['file.upload', 'file.changed', 'file.truncated']).map((e) =>
    h('tr', null, h('td', null, fmtTime(e.ts)), h('td', null, e.type.slice(5)),
      h('td', { class: 'path' }, printable(e.path || e.filename || e.name)),
      h('td', { class: 'num' }, e.size), h('td', { class: 'hash' }, printable(e.sha256 || e.artifact))));
  const dls = pick(events, ['file.download']).map((e) =>
    h('tr', null, h('td', null, fmtTime(e.ts)), h('td', { class: 'url' }, printable(e.url)),
      h('td', { class: 'path' }, printable(e.path || e.filename)),
      h('td', { class: 'num' }, e.size), h('td', { class: 'hash' }, printable(e.sha256 || e.artifact))));

  const term = h('div', { class: 'term', id: 'term' });
  const chooser = ttys.length > 1 ? h('div', { class: 'bar' }, ttys.map((t, i) =>
    h('button', { type: 'button', on: { click: () => play(term, id, i, ctx.signal) } }, 'tty ' + i))) : null;

  const node = h('section', { id: 'session-view' },
    h('h1', null, 'Session ', h('span', { class: 'id' }, printable(id))),
    kv([['source', (first.src_ip || '') + (first.src_port ? ':' + first.src_port : '')],
      ['user', login.username], ['password', login.password], ['honeynet', login.honeynet],
      ['start', fmtTime(first.ts)], ['duration', fmtDuration(closed.duration_ms)],
      ['closed', closed.reason]]),
    h('div', { class: 'split' },
      h('div', { class: 'left' }, h('h2', null, 'Terminal'), chooser,
        ttys.length ? term : note('No terminal recorded for this session.')),
      h('div', { class: 'right' },
        h('h2', null, 'Commands'), cmds.length ? table(['time', 'how', 'command'], cmds) : note('None.'),
        h('h2', null, 'Files'), files.length ? table(['time', 'what', 'path', 'bytes', 'sha256'], files) : note('None.'),
        h('h2', null, 'Downloads'), dls.length ? table(['time', 'url', 'path', 'bytes', 'sha256'], dls) : note('None.'))));
  node.mounted = () => { if (ttys.length) play(term, id, 0, ctx.signal); };
  return node;
}
