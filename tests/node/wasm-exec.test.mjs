// web/src/wasm-exec.js reads and patches private fields of Go's wasm_exec.js. This test fails
// when the Go toolchain's wasm_exec.js (the one make build-wasm copies into the package) no
// longer has them, so a Go upgrade that changes them is caught here, not by users.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { web } from './sim.mjs';
import { goInternalsProblems } from '../../web/src/wasm-exec.js';
import { instantiate } from '../../web/src/loader.js';

const goroot = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
const toolchainWasmExec = join(goroot, 'lib', 'wasm', 'wasm_exec.js');

test("the Go toolchain's wasm_exec.js has every internal the loader relies on", async () => {
  const saved = globalThis.Go;
  try {
    await import(pathToFileURL(toolchainWasmExec).href);
    assert.equal(typeof globalThis.Go, 'function', 'wasm_exec.js defines globalThis.Go');
    assert.deepEqual(goInternalsProblems(new globalThis.Go()), []);
  } finally {
    globalThis.Go = saved;
  }
});

test('the package ships the wasm_exec.js of the toolchain that built chatapi.wasm', async () => {
  assert.equal(await readFile(new URL('wasm_exec.js', web), 'utf8'), await readFile(toolchainWasmExec, 'utf8'),
    'web/wasm_exec.js differs from $(go env GOROOT)/lib/wasm/wasm_exec.js: run make build-wasm');
});

test('goInternalsProblems names each missing internal', () => {
  const problems = goInternalsProblems({ run() {}, exit() {}, importObject: { gojs: {} }, _scheduledTimeouts: {}, _nextCallbackTimeoutID: '1' });
  assert.deepEqual(problems, [
    'go._resume is not a function',
    'go.importObject.gojs["runtime.scheduleTimeoutEvent"] is not a function',
    'go._scheduledTimeouts is not a Map',
    'go._nextCallbackTimeoutID is not a number',
  ]);
});

test('the internals read after run (values, id pool, timers, memory) are there in a running module', async () => {
  const module = await instantiate(await readFile(new URL('chatapi.wasm', web)));
  const stats = module.stats();
  for (const k of ['jsValues', 'timers', 'wasmMemoryBytes']) {
    assert.ok(Number.isInteger(stats[k]) && stats[k] >= 0, `${k} is a count: ${stats[k]}`);
  }
  assert.ok(stats.jsValues > 0, 'Go holds JS values once running');
  assert.ok(stats.wasmMemoryBytes > 0);
  assert.ok(module.alive());
  await module.collect(); // exports.collect runs and settles under hold/release
});
