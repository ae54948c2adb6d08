// Intrusions (intrusions) and one intrusion's path through the honeynet
// (intrusions/SRC/graph) drawn with cytoscape: click a host for its
// sessions.
import cytoscape from 'cytoscape';
import * as api from './api.js';
import { h, clear, note, printable, fmtTime, pageHref, table } from './dom.js';
import { matches } from './sessions.js';

export async function intrusions() {
  const head = h('h1', null, 'Intrusions');
  if (!api.has('/intrusions')) {
    return h('section', null, head, note('This karakuri does not serve intrusions yet.'));
  }
  const list = await api.get('intrusions');
  if (!list.length) return h('section', null, head, note('No intrusion recorded yet.'));
  const rows = list.map((x) => h('tr', null,
    h('td', null, h('a', { href: pageHref('graph', x.src) }, printable(x.src))),
    h('td', null, fmtTime(x.first)), h('td', null, fmtTime(x.last)),
    h('td', { class: 'num' }, count(x.sessions)), h('td', { class: 'num' }, count(x.hosts)),
    h('td', { class: 'num' }, count(x.downloads))));
  return h('section', null, head,
    table(['source', 'first', 'last', 'sessions', 'hosts', 'downloads'], rows));
}

function count(v) {
  return Array.isArray(v) ? v.length : v;
}

const COLORS = { attacker: '#d9534f', gateway: '#f0ad4e', decoy: '#5bc0de', clone: '#9b59b6' };

export async function graph(src, ctx) {
  const head = h('h1', null, 'Intrusion from ', h('span', { class: 'id' }, printable(src)));
  if (!api.has('/intrusions/{src}/graph')) {
    return h('section', null, head, note('This karakuri does not serve intrusion graphs yet.'));
  }
  const g = await api.get('intrusions/' + encodeURIComponent(src) + '/graph', { signal: ctx.signal });
  const box = h('div', { class: 'graph', id: 'graph' });
  const side = h('div', { class: 'side', id: 'graph-side' },
    note('Click a host for its sessions.'));
  const node = h('section', null, head, h('div', { class: 'split' }, box, side));
  // Labels are data: cytoscape draws them on a canvas as text.
  const elements = [];
  for (const n of g.nodes || []) {
    elements.push({ group: 'nodes', data: { id: String(n.id), kind: String(n.kind || ''),
      label: printable(n.label || n.ip || n.id), ip: n.ip ? String(n.ip) : '',
      color: COLORS[n.kind] || '#999' } });
  }
  const ids = new Set(elements.map((e) => e.data.id));
  (g.edges || []).forEach((e, i) => {
    if (!ids.has(String(e.source)) || !ids.has(String(e.target))) return;
    elements.push({ group: 'edges', data: { id: 'e' + i, source: String(e.source),
      target: String(e.target), kind: String(e.kind || ''),
      label: String(e.kind || '') + (e.count > 1 ? ' ×' + e.count : '') } });
  });
  node.mounted = () => {
    const cy = cytoscape({
      container: box, elements,
      layout: { name: 'breadthfirst', directed: true, spacingFactor: 1.2 },
      style: [
        { selector: 'node', style: { label: 'data(label)', 'background-color': 'data(color)',
          color: '#ddd', 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 4 } },
        { selector: 'edge', style: { width: 2, 'line-color': '#777', 'target-arrow-color': '#777',
          'target-arrow-shape': 'triangle', 'curve-style': 'bezier', label: 'data(label)',
          'font-size': 9, color: '#aaa' } },
        { selector: 'edge[kind = "flow"]', style: { 'line-style': 'dashed' } },
      ],
    });
    window.__karakuriGraph = { nodes: cy.nodes().length, edges: cy.edges().length,
      kinds: cy.nodes().map((n) => n.data('kind')) };
    cy.on('tap', 'node', (e) => showHost(side, e.target.data(), ctx.signal));
    ctx.onCleanup(() => cy.destroy());
  };
  return node;
}

async function showHost(side, d, signal) {
  clear(side).appendChild(h('h2', null, printable(d.label), ' ', h('span', { class: 'dim' }, d.kind)));
  const all = await api.get('sessions', { signal });
  const mine = all.filter((s) => (d.ip && (s.src_ip === d.ip || s.host_ip === d.ip)) ||
    (s.host && s.host === d.label) || (d.kind === 'gateway' && matches(s, d.id)));
  if (!mine.length) {
    side.appendChild(note('No session on this host.'));
    return;
  }
  side.appendChild(table(['start', 'session', 'user', 'cmds'], mine.map((s) => h('tr', null,
    h('td', null, fmtTime(s.start)),
    h('td', null, h('a', { href: pageHref('session', s.session) }, printable(s.session))),
    h('td', null, printable(s.username)), h('td', { class: 'num' }, s.commands)))));
}
