// Attribute the code of a Go wasm module (built without -s) to Go packages, to see what
// makes it big: node bench/wasm-symbols.mjs module.wasm [top-N-functions]
import { readFileSync } from 'node:fs';

const buf = readFileSync(process.argv[2]);
const top = Number(process.argv[3] || 0);
let pos = 8;
const u32 = () => { let r = 0, s = 0, b; do { b = buf[pos++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return r >>> 0; };
let imported = 0; const bodies = []; const names = new Map();
while (pos < buf.length) {
  const id = buf[pos++]; const size = u32(); const end = pos + size;
  if (id === 2) { // imports: count function imports, they take the first indices
    for (let n = u32(); n > 0; n--) {
      for (let k = 0; k < 2; k++) { const l = u32(); pos += l; }
      const kind = buf[pos++];
      if (kind === 0) { u32(); imported++; } else if (kind === 1) { pos++; const f = buf[pos++]; u32(); if (f & 1) u32(); }
      else if (kind === 2) { const f = buf[pos++]; u32(); if (f & 1) u32(); } else { pos += 2; }
    }
  } else if (id === 10) {
    for (let n = u32(); n > 0; n--) { const l = u32(); bodies.push(l); pos += l; }
  } else if (id === 0) {
    const nl = u32(); const name = buf.toString('utf8', pos, pos + nl); pos += nl;
    if (name === 'name') {
      while (pos < end) {
        const sub = buf[pos++]; const sl = u32(); const se = pos + sl;
        if (sub === 1) for (let n = u32(); n > 0; n--) { const idx = u32(); const l = u32(); names.set(idx, buf.toString('utf8', pos, pos + l)); pos += l; }
        pos = se;
      }
    }
  }
  pos = end;
}
const byPkg = new Map(); const fns = [];
bodies.forEach((size, i) => {
  const name = names.get(i + imported) || '?';
  fns.push([size, name]);
  let pkg = name.replace(/\.\(?\*?[A-Za-z_].*$/, '');
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  if (dot > 0) pkg = name.slice(0, dot);
  byPkg.set(pkg, (byPkg.get(pkg) || 0) + size);
});
const total = bodies.reduce((a, b) => a + b, 0);
console.log(`code: ${total} bytes in ${bodies.length} functions; file: ${buf.length}`);
for (const [p, s] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(String(s).padStart(9), p);
if (top) for (const [s, n] of fns.sort((a, b) => b[0] - a[0]).slice(0, top)) console.log(String(s).padStart(9), n);
