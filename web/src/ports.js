// The port sensor's tables (ports, payloads), payloads in hex.
import * as api from './api.js';
import { h, note, printable, fmtTime, table } from './dom.js';

export function hexdump(bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length && i < 4096; i += 16) {
    const row = bytes.slice(i, i + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const asc = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(i.toString(16).padStart(6, '0') + '  ' + hex.padEnd(48) + ' ' + asc);
  }
  if (bytes.length > 4096) lines.push('… ' + (bytes.length - 4096) + ' more bytes');
  return lines.join('\n');
}

function bytesOf(p) {
  if (typeof p.hex === 'string') {
    const out = [];
    for (let i = 0; i + 1 < p.hex.length && out.length < 65536; i += 2) {
      out.push(parseInt(p.hex.slice(i, i + 2), 16) || 0);
    }
    return Uint8Array.from(out);
  }
  const b64 = p.payload_b64 || p.base64 || p.data;
  if (typeof b64 === 'string') {
    try {
      return Uint8Array.from(atob(b64.slice(0, 1 << 17)), (c) => c.charCodeAt(0));
    } catch (e) { /* not base64 */ }
  }
  return new TextEncoder().encode(String(p.payload || ''));
}

function cell(v) {
  if (v === undefined || v === null) return '';
  return printable(typeof v === 'object' ? JSON.stringify(v) : v);
}

// The sensor's shellcode verdict: what it found and the disassembly up to the
// system call (text only, like every string here).
function shellcode(sc) {
  if (!sc || !sc.detected) return null;
  return h('div', { class: 'shellcode' },
    h('p', null, 'shellcode: ', cell(sc.arch), ' ', cell(sc.technique), ' → ', cell(sc.reached),
      sc.syscall_nr !== undefined ? ' nr ' + cell(sc.syscall_nr) : ''),
    typeof sc.listing === 'string' ? h('pre', { class: 'hex' }, sc.listing) : null);
}

export async function ports() {
  const parts = [h('h1', null, 'Ports & payloads')];
  if (api.has('/ports')) {
    const list = await api.get('ports');
    const items = Array.isArray(list) ? list : list.events || list.ports || [];
    const keys = items.length ? Object.keys(items[0]).slice(0, 8) : [];
    parts.push(h('h2', null, 'Ports'), items.length
      ? table(keys, items.map((p) => h('tr', null, keys.map((k) => h('td', null, cell(p[k]))))))
      : note('No port seen yet.'));
  } else {
    parts.push(h('h2', null, 'Ports'), note('This karakuri does not serve the sensor\'s ports yet.'));
  }
  if (api.has('/payloads')) {
    const list = await api.get('payloads');
    const items = Array.isArray(list) ? list : list.events || list.payloads || [];
    parts.push(h('h2', null, 'Payloads'), items.length
      ? items.slice(0, 200).map((p) => h('div', { class: 'payload' },
        h('p', null, fmtTime(p.ts || p.first), ' ', cell(p.src_ip), ' → ', cell(p.port || p.dst_port),
          ' ', cell(p.proto), ' ', cell(p.sha256)),
        shellcode(p.shellcode),
        h('pre', { class: 'hex' }, hexdump(bytesOf(p)))))
      : note('No payload seen yet.'));
  } else {
    parts.push(h('h2', null, 'Payloads'), note('This karakuri does not serve the sensor\'s payloads yet.'));
  }
  return h('section', null, parts);
}
