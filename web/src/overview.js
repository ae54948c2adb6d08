// The overview: counters and a time plot (canvas) of logins, commands,
// decoys and downloads over the last day, kept live by the events stream
// (SSE over fetch) when it is served, else by polling.
import * as api from './api.js';
import { h, note, printable, fmtTime } from './dom.js';

const SERIES = [
  ['logins', 'login.success', '#5cb85c'],
  ['commands', 'command.input', '#5bc0de'],
  ['decoys', 'lan.decoy_started', '#f0ad4e'],
  ['downloads', 'file.download', '#d9534f'],
];
const HOURS = 24;

function plot(canvas, counts, since) {
  const c = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, pad = 28;
  c.clearRect(0, 0, W, H);
  let max = 1;
  for (const s of counts) for (const v of s) max = Math.max(max, v);
  c.strokeStyle = '#444';
  c.fillStyle = '#999';
  c.font = '11px sans-serif';
  c.beginPath();
  c.moveTo(pad, 4);
  c.lineTo(pad, H - pad);
  c.lineTo(W - 4, H - pad);
  c.stroke();
  c.fillText(String(max), 2, 12);
  c.fillText('0', 2, H - pad);
  const step = (W - pad - 8) / (HOURS - 1);
  for (let i = 0; i < HOURS; i += 6) {
    const d = new Date(since + i * 3600e3);
    c.fillText(d.toISOString().slice(11, 16) + 'Z', pad + i * step - 12, H - 10);
  }
  counts.forEach((s, k) => {
    c.strokeStyle = SERIES[k][2];
    c.lineWidth = 2;
    c.beginPath();
    s.forEach((v, i) => {
      const x = pad + i * step, y = H - pad - (v / max) * (H - pad - 8);
      if (i) c.lineTo(x, y); else c.moveTo(x, y);
    });
    c.stroke();
  });
}

export async function overview(_arg, ctx) {
  const since = Date.now() - (HOURS - 1) * 3600e3;
  const start = new Date(Math.floor(since / 3600e3) * 3600e3);
  const counts = SERIES.map(() => new Array(HOURS).fill(0));
  const totals = SERIES.map(() => 0);
  const more = SERIES.map(() => false);
  const bucket = (ts) => Math.floor((Date.parse(ts) - start.getTime()) / 3600e3);
  const add = (k, ts) => {
    totals[k]++;
    const b = bucket(ts);
    if (b >= 0 && b < HOURS) counts[k][b]++;
  };
  await Promise.all(SERIES.map(async ([, type], k) => {
    const r = await api.events({ type, since: start.toISOString().replace(/\.\d+Z$/, 'Z') },
      5000);
    r.events.forEach((e) => add(k, e.ts));
    more[k] = r.more;
  }));
  let health = null;
  try { health = await api.get('health'); } catch (e) { /* shown below */ }

  const nums = SERIES.map(([label, , color], k) => h('div', { class: 'counter' },
    h('span', { class: 'n', id: 'count-' + label }, String(totals[k]) + (more[k] ? '+' : '')),
    h('span', { class: 'l ' + label }, label)));
  const canvas = h('canvas', { id: 'plot', width: 900, height: 240 });
  const legend = h('p', { class: 'legend' }, SERIES.map(([label]) =>
    h('span', { class: 'key ' + label }, label)), ' per hour, last 24 h (UTC)');
  const recent = h('ol', { class: 'recent', id: 'recent' });
  const liveNote = h('p', { class: 'dim' });
  const node = h('section', null, h('h1', null, 'Overview'),
    h('div', { class: 'counters' }, nums), canvas, legend,
    health ? h('p', { class: 'dim' }, 'sensor ', printable(health.sensor), ' · store ',
      printable(health.store), ' · last event ', fmtTime(health.last_event)) : null,
    h('h2', null, 'Live'), liveNote, recent);

  const onEvent = (e) => {
    const k = SERIES.findIndex(([, t]) => t === e.type);
    if (k >= 0) {
      add(k, e.ts);
      nums[k].firstChild.textContent = String(totals[k]) + (more[k] ? '+' : '');
      plot(canvas, counts, start.getTime());
    }
    recent.insertBefore(h('li', null, fmtTime(e.ts), ' ', printable(e.type), ' ',
      printable(e.session || e.src_ip || '')), recent.firstChild);
    while (recent.childNodes.length > 20) recent.removeChild(recent.lastChild);
  };
  node.mounted = () => {
    plot(canvas, counts, start.getTime());
    live(ctx, onEvent, liveNote);
  };
  return node;
}

async function live(ctx, onEvent, liveNote) {
  const dot = document.getElementById('live');
  if (api.has('/events', 'follow')) {
    liveNote.textContent = 'following the events stream';
    dot.textContent = '● live';
    ctx.onCleanup(() => { dot.textContent = ''; });
    try {
      await api.follow({}, onEvent, ctx.signal);
    } catch (e) {
      if (!ctx.signal.aborted) liveNote.textContent = 'the events stream ended: ' + e.message;
    }
    return;
  }
  liveNote.textContent = 'this karakuri has no events stream: reload the page for new events';
}
