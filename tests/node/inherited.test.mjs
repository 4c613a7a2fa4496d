// createChatApi reads its options as own data properties only: an inherited wasmURL or
// storage.file (a polluted Object.prototype, an options object built on another) must not
// choose the module that is loaded or turn a storage object into a file path. The first test
// must run before anything loads the module in this process (the load is memoised).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startSim, account } from './sim.mjs';
import { createChatApi } from '../../web/src/node.js';

let sim;
let dir;
before(async () => {
  sim = await startSim();
  dir = await mkdtemp(join(tmpdir(), 'appengage-inherited-'));
});
after(async () => {
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

const exists = (path) => stat(path).then(() => true, () => false);

function memoryStorage() {
  const m = new Map();
  let sets = 0;
  return {
    storage: { get: (k) => m.get(k) ?? null, set: (k, v) => { sets += 1; m.set(k, v); }, remove: (k) => { m.delete(k); } },
    sets: () => sets,
  };
}

test('a polluted Object.prototype (wasmURL, file) is ignored: the package wasm loads and the given storage is used', async () => {
  const pollutedFile = join(dir, 'polluted.json');
  const mem = memoryStorage();
  Object.prototype.wasmURL = pathToFileURL(join(dir, 'not-there.wasm')).href; // eslint-disable-line no-extend-native
  Object.prototype.file = pollutedFile; // eslint-disable-line no-extend-native
  let api;
  try {
    api = await createChatApi({ accountId: account('inh'), domain: sim.url, storage: mem.storage });
  } finally {
    delete Object.prototype.wasmURL;
    delete Object.prototype.file;
  }
  try {
    assert.equal((await api.getEngagement({ appType: 'EXTERNAL' })).status, 'Available');
    assert.ok(mem.sets() > 0, 'the session went to the storage object given');
    assert.equal(await exists(pollutedFile), false, 'no file storage at the inherited path');
  } finally {
    api.close();
  }
});

test('a storage object whose file is inherited is not {file} storage: refused as storage, no file written', async () => {
  const inheritedFile = join(dir, 'inherited.json');
  const proto = Object.create(null);
  proto.file = inheritedFile;
  const storage = Object.create(proto); // plain-looking: its prototype's prototype is null
  await assert.rejects(createChatApi({ accountId: account('inh'), domain: sim.url, storage }), (err) => {
    assert.equal(err.code, 'validation', err.message);
    assert.match(err.field, /^storage/, err.message);
    return true;
  });
  assert.equal(await exists(inheritedFile), false, 'no file storage at the inherited path');
  // An own file is {file} storage as documented.
  const ownFile = join(dir, 'own.json');
  const api = await createChatApi({ accountId: account('inh'), domain: sim.url, storage: { file: ownFile } });
  try {
    assert.equal((await api.getEngagement({ appType: 'EXTERNAL' })).status, 'Available');
    assert.equal(await exists(ownFile), true);
  } finally {
    api.close();
  }
});
