// DOM building without HTML parsing: every string that reaches the page goes
// through a text node (document.createTextNode) or an attribute set by name;
// nothing here ever assigns innerHTML, outerHTML or insertAdjacentHTML. The
// data shown come from attackers (user names, commands, file names, URLs,
// terminal output): they are text and stay text.

const SAFE_ATTRS = new Set(['class', 'id', 'title', 'type', 'placeholder', 'value', 'name',
  'colspan', 'role', 'for', 'autocomplete', 'width', 'height', 'data-id', 'data-kind',
  'aria-label']);

// A link inside the page only: href is always '#/...' built by us from an
// encoded id, never an attacker's URL.
export function pageHref(...parts) {
  return '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/');
}

// h('tag', {attrs, on: {click: fn}}, child...): children are nodes, strings
// (text nodes), numbers, null/undefined (skipped) or arrays of those.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'on') {
        for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      } else if (k === 'href') {
        const s = String(v);
        if (!s.startsWith('#/')) throw new Error('only in-page links');
        el.setAttribute('href', s);
      } else if (SAFE_ATTRS.has(k)) {
        el.setAttribute(k, String(v));
      } else {
        throw new Error('attribute not allowed: ' + k);
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// Control characters (terminal escapes among them) shown as visible
// escapes: the text stays text, and an ESC cannot disturb the layout.
export function printable(s) {
  if (s === undefined || s === null) return '';
  return String(s).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

export function fmtTime(ts) {
  if (!ts) return '';
  return String(ts).replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function fmtDuration(ms) {
  if (typeof ms !== 'number') return '';
  if (ms < 1000) return ms + ' ms';
  const s = Math.round(ms / 1000);
  if (s < 120) return s + ' s';
  const m = Math.round(s / 60);
  return m < 120 ? m + ' min' : Math.round(m / 60) + ' h';
}

export function note(text, cls = 'note') {
  return h('p', { class: cls }, text);
}

export function table(headers, rows) {
  return h('table', null,
    h('thead', null, h('tr', null, headers.map((t) => h('th', null, t)))),
    h('tbody', null, rows));
}
