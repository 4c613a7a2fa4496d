// The synchronous part of fetch (Request, body stream, headers, undici's set-up before the
// first await) and the whole round trip for plain clients against the simulator, one
// variant per block, interleaved: default options, redirect 'manual', a fresh
// AbortController's signal per request, both (what the exchange port passes), both with
// the controller made ahead of the call (the port's spare), and that with undici's listener
// limit set ahead too. Prints medians in µs.
//   node bench/fetch-sync.mjs [CALLS]
import { startSim, seedRequest } from '../tests/node/sim.mjs';

const calls = Number(process.argv[2] || 2000);
const { vid, sid, ...request } = seedRequest();
const sim = await startSim();
const body = JSON.stringify(request);
const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
import { setMaxListeners } from 'node:events';

let spare = new AbortController();
spare.signal;
let spare2 = new AbortController();
setMaxListeners(1500, spare2.signal);
const variants = {
  plain: () => ({ method: 'POST', headers, body }),
  manual: () => ({ method: 'POST', headers, body, redirect: 'manual' }),
  signal: () => ({ method: 'POST', headers, body, signal: new AbortController().signal }),
  'manual+signal': () => ({ method: 'POST', headers, body, redirect: 'manual', signal: new AbortController().signal }),
  'manual+spare': () => {
    const s = spare.signal;
    setImmediate(() => { spare = new AbortController(); spare.signal; });
    return { method: 'POST', headers, body, redirect: 'manual', signal: s };
  },
  // The spare with undici's own listener limit already set on it (undici sets it on every
  // signal whose limit is the default).
  'spare+limit': () => {
    const s = spare2.signal;
    setImmediate(() => { spare2 = new AbortController(); setMaxListeners(1500, spare2.signal); });
    return { method: 'POST', headers, body, redirect: 'manual', signal: s };
  },
};
const names = Object.keys(variants);
const out = Object.fromEntries(names.map((n) => [n, { sync: [], all: [] }]));
const one = async (name, k) => {
  const url = `${sim.url}/api/account/fs${k}/app/engagement/visitors/?v=1.0`;
  const t0 = performance.now();
  const p = fetch(url, variants[name]());
  const t1 = performance.now();
  const res = await p;
  JSON.parse(await res.text());
  const t2 = performance.now();
  return [t1 - t0, t2 - t0];
};
for (let i = 0; i < 200; i++) for (const [k, n] of names.entries()) await one(n, k);
for (let done = 0, b = 0; done < calls; done += 50, b++) {
  const r = b % names.length;
  for (const n of [...names.slice(r), ...names.slice(0, r)]) {
    for (let i = 0; i < 50; i++) { const [s, a] = await one(n, names.indexOf(n)); out[n].sync.push(s); out[n].all.push(a); }
  }
}
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[s.length >> 1] * 1000).toFixed(0); };
for (const n of names) console.log(`${n.padEnd(14)} fetch sync ${med(out[n].sync)} µs, round trip ${med(out[n].all)} µs`);
await sim.stop();
