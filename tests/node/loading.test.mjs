// Loading errors in Node say what to do: a wasm that cannot be read or compiled is
// load_failed with the URL tried and "pass wasmURL"; a wasmURL that is no URL is a validation
// error of field wasmURL; the next call with a good one loads (fresh processes: the module is
// memoised per process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { web } from './sim.mjs';

async function tryLoads(variants) {
  const script = `
    import { createChatApi } from ${JSON.stringify(new URL('src/node.js', web).href)};
    const out = [];
    for (const extra of ${JSON.stringify(variants)}) {
      try { const api = await createChatApi({ accountId: 'a', domain: 'http://127.0.0.1:9', ...extra }); out.push({ code: 'ok' }); api.close(); }
      catch (e) { out.push({ code: e.code, field: e.field, url: e.url, message: e.message }); }
    }
    console.log(JSON.stringify(out));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 60000 });
  return JSON.parse(stdout);
}

test('missing, not-wasm and non-URL wasmURLs fail clearly; the default then loads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'appengage-loading-'));
  try {
    const notWasm = join(dir, 'chatapi.wasm');
    writeFileSync(notWasm, 'not wasm');
    const [missing, garbage, number, bad, ok] = await tryLoads([
      { wasmURL: pathToFileURL(join(dir, 'missing.wasm')).href },
      { wasmURL: pathToFileURL(notWasm).href },
      { wasmURL: 42 },
      { wasmURL: 'http://[' },
      {},
    ]);
    assert.equal(missing.code, 'load_failed');
    assert.equal(missing.url, pathToFileURL(join(dir, 'missing.wasm')).href);
    assert.match(missing.message, /cannot load chatapi\.wasm from file:.*missing\.wasm: cannot read it \(ENOENT\).*pass wasmURL/);
    assert.equal(garbage.code, 'load_failed');
    assert.match(garbage.message, /it is not a WebAssembly module/);
    assert.deepEqual([number.code, number.field], ['validation', 'wasmURL']);
    assert.match(number.message, /must be a string or a URL/);
    assert.deepEqual([bad.code, bad.field], ['validation', 'wasmURL']);
    assert.deepEqual(ok, { code: 'ok' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
