// The JSON API (/api/v1/, docs/openapi.json): every call carries the bearer
// token kept in sessionStorage; the routes this karakuri serves are read
// from openapi.json first, so that a route not there yet is a message on
// the page rather than a failed request.

const KEY = 'karakuri.token';
const PREFIX = '/api/v1/';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function token() {
  return sessionStorage.getItem(KEY) || '';
}

export function setToken(t) {
  if (t) sessionStorage.setItem(KEY, t);
  else sessionStorage.removeItem(KEY);
}

let paths = null; // the routes of openapi.json, once read

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function request(path, opts = {}) {
  const headers = { Authorization: 'Bearer ' + token(), Accept: opts.accept || 'application/json' };
  let r;
  for (let tries = 0; ; tries++) {
    r = await fetch(PREFIX + path, { headers, cache: 'no-store', signal: opts.signal,
      credentials: 'omit', referrerPolicy: 'no-referrer' });
    if (r.status !== 429 || tries >= 3) break;
    // over the rate limit: wait as told (at most 5 s) and try again
    const secs = Math.min(5, parseInt(r.headers.get('Retry-After') || '1', 10) || 1);
    await sleep(secs * 1000);
  }
  if (r.status === 401) {
    setToken('');
    throw new ApiError(401, 'the token was refused');
  }
  if (r.status === 429) throw new ApiError(429, 'too many requests: wait a little');
  if (!r.ok) {
    let why = 'HTTP ' + r.status;
    try { why = (await r.json()).error || why; } catch (e) { /* not JSON */ }
    throw new ApiError(r.status, why);
  }
  return r;
}

// Reads openapi.json (which also checks the token).
export async function loadRoutes() {
  const doc = await (await request('openapi.json')).json();
  paths = doc.paths || {};
  return paths;
}

// Whether the route (as openapi.json names it: '/sessions/{id}/tty/{n}') is
// served; the parameter name, when given, must be documented too.
export function has(route, param) {
  if (!paths) return false;
  const p = paths[route];
  if (!p || !p.get) return false;
  if (!param) return true;
  return (p.get.parameters || []).some((x) => x.name === param);
}

export async function get(path, opts) {
  return (await request(path, opts)).json();
}

export async function getText(path, opts) {
  return (await request(path, opts)).text();
}

// The events of type since a time, page after page, up to max.
export async function events(query, max = 5000) {
  const out = [];
  let after = 0;
  for (;;) {
    const q = new URLSearchParams(query);
    q.set('limit', '1000');
    if (after) q.set('after_id', String(after));
    const page = await get('events?' + q.toString());
    out.push(...(page.events || []));
    if (page.next === null || page.next === undefined || out.length >= max) {
      return { events: out, more: page.next !== null && page.next !== undefined };
    }
    after = page.next;
  }
}

// Server-Sent Events over fetch (EventSource cannot send the token): calls
// onEvent with each data: line's JSON until the signal aborts.
export async function follow(query, onEvent, signal) {
  const q = new URLSearchParams(query);
  q.set('follow', '1');
  const r = await request('events?' + q.toString(), { accept: 'text/event-stream', signal });
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    if (buf.length > 1 << 20) buf = buf.slice(-65536); // a hard cap
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart()).join('\n');
      if (!data) continue;
      try { onEvent(JSON.parse(data)); } catch (e) { /* a line that is not JSON: skipped */ }
    }
  }
}
