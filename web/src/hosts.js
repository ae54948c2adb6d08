// The honeynets and their hosts (`karakuri hosts --json`).
import * as api from './api.js';
import { h, note, printable, table } from './dom.js';

function str(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export async function hosts() {
  const list = await api.get('hosts');
  if (!Array.isArray(list) || !list.length) {
    return h('section', null, h('h1', null, 'Hosts'), note('No honeynet recorded yet.'));
  }
  const blocks = list.map((hn) => {
    const rows = (hn.hosts || []).map((x) => h('tr', null,
      h('td', null, printable(x.ip)), h('td', null, printable(x.name || x.hostname)),
      h('td', null, printable(x.role || x.kind)), h('td', null, printable(x.mac)),
      h('td', null, printable(Array.isArray(x.ports) ? x.ports.join(' ') : str(x.ports))),
      h('td', null, printable(str(x.state || x.status)))));
    return h('div', { class: 'honeynet' },
      h('h2', null, printable(hn.honeynet), ' ', h('span', { class: 'dim' }, printable(hn.subnet))),
      hn.gateway ? h('p', null, 'gateway: ', printable(str(hn.gateway.ip || hn.gateway))) : null,
      rows.length ? table(['ip', 'name', 'role', 'mac', 'ports', 'state'], rows) : null,
      h('details', null, h('summary', null, 'all fields'),
        h('pre', { class: 'json' }, printable(JSON.stringify(hn, null, 2)))));
  });
  return h('section', null, h('h1', null, 'Hosts'), blocks);
}
