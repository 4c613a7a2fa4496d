// The ChatApi's own cost per getEngagement, without any network: fetch answers at once with
// a documented Available response, so what is measured is the loader, wasm_exec.js and the
// Go module. Given two modules, both run in this one process in interleaved blocks (same
// machine load, same JIT state), which is how a change is judged A/B on a busy machine:
//   node bench/overhead.mjs web/chatapi.wasm [other.wasm] [blocks]
// A module built in another source tree (/tmp/old/web/chatapi.wasm) runs with that tree's
// loader, so an old handle protocol can be measured against the new one in one process.
// Prints p50 and p25 in µs per call, and B/A for two modules.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createWith } from '../web/src/chatapi.js';
import { instantiate } from '../web/src/loader.js';

const { seedRequest } = await import('../tests/node/sim.mjs');
const { vid, sid, ...request } = seedRequest();
const body = JSON.stringify({
  status: 'Available', visitorId: 'V1', sessionId: 'S1', pageId: 'P1',
  engagementDetails: {
    campaignId: '3346848610', engagementId: '3562981110', contextId: '1', windowId: '3346847910',
    language: 'en-US', engagementRevision: 3, validForSeconds: 60, skillId: 23, skillName: 'TestSkill',
  },
});
const response = { status: 200, headers: { get: () => null }, text: () => Promise.resolve(body) };
const fetch = () => Promise.resolve(response);

const args = process.argv.slice(2);
const files = args.filter((a) => a.endsWith('.wasm'));
const blocks = Number(args.find((a) => /^\d+$/.test(a)) || 30);
const apis = [];
for (const f of files) {
  // A module in another tree's web/ (an old commit, built into /tmp) runs with that tree's own
  // loader, so modules of different handle protocols can be compared in one process.
  const tree = resolve(dirname(f), '..');
  const own = tree !== resolve(dirname(fileURLToPath(import.meta.url)), '..') && existsSync(join(tree, 'web/src/chatapi.js'));
  const lib = own ? await import(pathToFileURL(join(tree, 'web/src/chatapi.js')).href) : { createWith };
  const load = own ? (await import(pathToFileURL(join(tree, 'web/src/loader.js')).href)).instantiate : instantiate;
  const module = await load(readFileSync(f));
  apis.push(await lib.createWith({ accountId: 'overhead', domain: 'http://127.0.0.1:1', fetch, storage: 'memory' }, async () => module, (s) => s));
}
const times = apis.map(() => []);
const perBlock = 200;
for (let i = 0; i < 300; i++) for (const api of apis) await api.getEngagement(request); // warm up
for (let b = 0; b < blocks; b++) {
  const order = b % 2 ? [...apis.keys()].reverse() : [...apis.keys()];
  for (const k of order) {
    for (let i = 0; i < perBlock; i++) {
      const t0 = performance.now();
      await apis[k].getEngagement(request);
      times[k].push(performance.now() - t0);
    }
  }
}
const q = (xs, p) => { const s = [...xs].sort((x, y) => x - y); return s[Math.floor(s.length * p)] * 1000; };
files.forEach((f, k) => console.log(`${f}: p50 ${q(times[k], 0.5).toFixed(1)} µs, p25 ${q(times[k], 0.25).toFixed(1)} µs per call`));
if (files.length === 2) console.log(`B/A p50 ${(q(times[1], 0.5) / q(times[0], 0.5)).toFixed(3)}`);
for (const api of apis) api.close();
process.exit(0);
