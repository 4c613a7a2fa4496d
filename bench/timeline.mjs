// Where the time of one getEngagement goes, step by step, against the simulator's own clock:
// the ChatApi and plain-JS fetch clients interleaved in one process, each call stamped with
// performance.now() at its steps, and the simulator's request log (when its handler started,
// how long it took) put on the same clock. The ChatApi runs from a temporary copy of web/
// whose loader carries the stamps (inserted below by exact replacements, which fail loudly
// when the loader's lines move); the shipped files are not touched.
//   node bench/timeline.mjs [CALLS_PER_CLIENT]     (after make build-wasm build-go)
// Clients: ours (the ChatApi); plain (bench/plain.mjs's request); all (plain plus what the
// ChatApi's fetch carries: an AbortController's signal, redirect: 'manual', an attempt timer,
// the next controller made on a later turn); burn (all plus ~0.6 ms of JS work over 1 MB
// of memory around its fetch, the same amount of work on every call: what any work between
// fetches does to undici's own steps). Prints each client's median per step, in µs.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, startSim, seedRequest } from '../tests/node/sim.mjs';

const callsPerClient = Number(process.argv[2] || 1500);
const S = (k) => `globalThis.__stamp?.(${JSON.stringify(k)});`;
const STAMPS = {
  'chatapi.js': [
    ['      request = requestPayload(payload); // now: the caller may change its object afterwards\n',
      `      request = requestPayload(payload); ${S('copied')}\n`],
    ['      if (direct && direct.getEngagement(this.#directId, callId, request, opts.timeoutMs)) return undefined;\n',
      `      if (direct && direct.getEngagement(this.#directId, callId, request, opts.timeoutMs)) { ${S('returned')} return undefined; }\n`],
    ['  #settle(id, how, value) {\n', `  #settle(id, how, value) {\n    ${S('settle')}\n`],
    ['    call.resolve(value);\n  }\n', `    ${S('parsed')}\n    call.resolve(value);\n  }\n`],
  ],
  'exchange.js': [
    ["        p = fetchFn(url, { method, headers, body, signal, redirect: 'manual' });\n",
      `        ${S('fetch')} p = fetchFn(url, { method, headers, body, signal, redirect: 'manual' }); ${S('fetched')}\n`],
    ['      const res = await p;\n', `      const res = await p; ${S('headers')}\n`],
    ['      const text = await cappedText(res, maxBytes);\n', `      const text = await cappedText(res, maxBytes); ${S('text')}\n`],
  ],
};

const dir = mkdtempSync(join(tmpdir(), 'appengage-timeline-'));
const sim = await startSim();
try {
  cpSync(join(repoRoot, 'web/src'), join(dir, 'web/src'), { recursive: true });
  for (const f of ['chatapi.wasm', 'wasm_exec.js']) cpSync(join(repoRoot, 'web', f), join(dir, 'web', f));
  for (const [file, edits] of Object.entries(STAMPS)) {
    const path = join(dir, 'web/src', file);
    let text = readFileSync(path, 'utf8');
    for (const [from, to] of edits) {
      if (text.split(from).length !== 2) throw new Error(`bench/timeline.mjs: web/src/${file} no longer has this line once; update STAMPS:\n${from}`);
      text = text.replace(from, to);
    }
    writeFileSync(path, text);
  }
  const { createChatApi } = await import(pathToFileURL(join(dir, 'web/src/node.js')).href);
  const { httpFetch } = await import(pathToFileURL(join(dir, 'web/src/exchange.js')).href);
  const overHTTP = httpFetch(async () => ({ http: (await import('node:http')).default, https: (await import('node:https')).default, zlib: (await import('node:zlib')).default }));

  let call = null; // the stamps of the call under way
  globalThis.__stamp = (k) => { if (call) call[k] = performance.now(); };
  const { vid, sid, ...request } = seedRequest();
  const junk = new Float64Array(1 << 17);
  let sink = 0;
  const burn = (n) => { for (let k = 0; k < n; k++) { const j = (k * 4099) & 0x1ffff; junk[j] += k; sink += junk[(j * 7) & 0x1ffff]; } };
  const plainLike = (account, { carry = false, work = 0, fetchFn = fetch } = {}) => {
    let ids = { vid: '', sid: '' };
    return async () => {
      const url = `${sim.url}/api/account/${account}/app/engagement/visitors/${encodeURIComponent(ids.vid)}?v=1.0${ids.sid ? `&sid=${encodeURIComponent(ids.sid)}` : ''}`;
      const body = JSON.stringify(request);
      globalThis.__stamp('copied');
      if (work) burn(work);
      const controller = carry ? new AbortController() : null;
      const timer = carry ? setTimeout(() => controller.abort(), 30000) : null;
      globalThis.__stamp('fetch');
      const pending = fetchFn(url, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body,
        ...(carry ? { signal: controller.signal, redirect: 'manual' } : {}),
      });
      globalThis.__stamp('fetched');
      if (carry) setImmediate(() => new AbortController().signal);
      const res = await pending;
      globalThis.__stamp('headers');
      const text = await res.text();
      globalThis.__stamp('text');
      if (timer) clearTimeout(timer);
      if (work) burn(2 * work);
      globalThis.__stamp('settle');
      const out = JSON.parse(text);
      globalThis.__stamp('parsed');
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      ids = { vid: out.visitorId, sid: out.sessionId };
      return out;
    };
  };
  const api = await createChatApi({ accountId: 'tlours', domain: sim.url });
  const clients = [
    ['ours', 'tlours', () => api.getEngagement(request)],
    ['plain', 'tlplain', plainLike('tlplain')],
    ['all', 'tlall', plainLike('tlall', { carry: true })],
    ['http', 'tlhttp', plainLike('tlhttp', { carry: true, fetchFn: overHTTP })],
    ['burn', 'tlburn', plainLike('tlburn', { carry: true, work: 20000 })],
  ];
  const calls = Object.fromEntries(clients.map(([name]) => [name, []]));
  for (let i = 0; i < 200; i++) for (const [, , fn] of clients) await fn(); // warm up
  for (let done = 0; done < callsPerClient; done += 50) {
    const k = (done / 50) % clients.length;
    for (const [name, , fn] of [...clients.slice(k), ...clients.slice(0, k)]) {
      for (let i = 0; i < 50; i++) {
        call = { start: performance.now() };
        await fn();
        call.end = performance.now();
        calls[name].push(call);
        call = null;
      }
    }
  }
  api.close();
  // The simulator keeps its last requests per account: the last calls of each client get
  // the handler's start and end on this clock.
  for (const [name, account] of clients) {
    const log = (await sim.requests(account)).requests;
    const mine = calls[name].slice(-log.length);
    log.forEach((e, i) => {
      const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(e.time);
      const at = Date.parse(`${m[1]}Z`) + Number((m[2] || '').padEnd(9, '0')) / 1e6 - performance.timeOrigin;
      mine[i].server = at;
      mine[i].served = at + e.durationMs;
    });
  }
  const steps = [
    ['start', 'copied', 'request copied and made JSON text'],
    ['copied', 'fetch', 'to fetch() (ours: the direct call into Go, the port)'],
    ['fetch', 'fetched', "fetch()'s synchronous part (undici)"],
    ['fetched', 'server', 'to the simulator handling it (undici writes, kernel)'],
    ['server', 'served', 'the simulator'],
    ['served', 'headers', 'to the response headers (kernel, undici)'],
    ['headers', 'text', 'to the body text (undici)'],
    ['text', 'settle', 'to settling (ours: the answer into Go, read, checked, stored)'],
    ['settle', 'parsed', 'JSON.parse'],
    ['parsed', 'end', 'to the caller'],
    ['start', 'end', 'whole call'],
  ];
  const p50 = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? s[s.length >> 1] : NaN; };
  console.log(`median µs per step, ${callsPerClient} calls per client (the simulator's steps from its last ${calls.ours.filter((c) => c.server !== undefined).length})`);
  console.log(['step'.padEnd(62), ...clients.map(([n]) => n.padStart(7))].join(''));
  for (const [a, b, what] of steps) {
    const cells = clients.map(([name]) => (p50(calls[name].map((c) => c[b] - c[a])) * 1000).toFixed(0).padStart(7));
    console.log([`${what}`.padEnd(62), ...cells].join(''));
  }
  if (sink === 42) console.log(''); // keep the work
} finally {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}
