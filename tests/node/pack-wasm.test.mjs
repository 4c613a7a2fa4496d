// The build's packing of tiny data segments (web/scripts/pack-wasm.mjs) and the loader's
// writing them back (writePackedData in web/src/loader.js): a packed module must start with
// the memory the original starts with, and a damaged section must fail the load, not start
// Go on wrong memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { pack, checkSameMemory, initialMemory, uleb, sleb32 } from '../../web/scripts/pack-wasm.mjs';
import { PACKED_DATA_SECTION, writePackedData } from '../../web/src/loader.js';
import { createChatApi } from '../../web/src/node.js';
import { repoRoot, startSim, seedRequest, account } from './sim.mjs';

const section = (id, body) => [id, ...uleb(body.length), ...body];

/** A module with one exported memory of one page and these active data segments [offset, bytes]. */
function moduleWith(segments) {
  const data = [...uleb(segments.length)];
  for (const [offset, bytes] of segments) data.push(0, 0x41, ...sleb32(offset), 0x0b, ...uleb(bytes.length), ...bytes);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(5, [1, 0, 1]), // memory: min 1 page
    ...section(7, [1, 3, 0x6d, 0x65, 0x6d, 2, 0]), // export "mem"
    ...section(11, data),
  ]);
}
// How many packed-data sections a module has (V8 decodes the module: a wrongly written
// segment would fail here, whoever encoded it).
const packedSections = (wasm) => WebAssembly.Module.customSections(new WebAssembly.Module(wasm), PACKED_DATA_SECTION).length;

test('tiny segments move into the section, out of address order too, and the module starts with the same memory', async () => {
  const segments = [[100, [1, 2]], [4000, [9, 9, 9, 9, 9, 9, 9, 9]], [60, [7]], [120, [3, 4, 5, 6]], [65530, [0xff, 0xee]]];
  const wasm = moduleWith(segments);
  const { packed, kept, moved } = pack(wasm);
  assert.equal(kept, 1);
  assert.equal(moved, 4);
  assert.equal(packedSections(packed), 1);
  await checkSameMemory(wasm, packed, {});
  const mem = await initialMemory(packed, {});
  assert.deepEqual([...mem.subarray(60, 61)], [7]);
  assert.deepEqual([...mem.subarray(65530, 65532)], [0xff, 0xee]);
  assert.deepEqual([...mem.subarray(4000, 4008)], [9, 9, 9, 9, 9, 9, 9, 9]);
});

test('segments of one length at one stride are one run; a change of length or stride starts another', async () => {
  const segments = [[100, [1, 2]], [120, [3, 4]], [140, [5, 6]], [160, [7, 8]], [170, [9, 9]], [180, [1]], [181, [2]], [5000, [3]]];
  const wasm = moduleWith(segments);
  const { packed, moved, runs } = pack(wasm);
  assert.equal(moved, 8);
  // 100–160 every 20 bytes; 170 (2 bytes, but 10 after); 180 and 181 (1 byte, 1 apart); 5000.
  assert.equal(runs, 4);
  await checkSameMemory(wasm, packed, {});
});

test('the memory check fails when a packed module would start differently (overlapping segments)', async () => {
  // The tiny segment at 10 is written by instantiation first, then overwritten by the larger
  // one; packed, the tiny one is written last: a different memory, which the build refuses.
  const wasm = moduleWith([[10, [1, 1]], [8, [2, 2, 2, 2, 2, 2, 2, 2]]]);
  const { packed } = pack(wasm);
  await assert.rejects(checkSameMemory(wasm, packed, {}), /initial memory differs at byte 10/);
});

test('a module packed twice, or with a segment it cannot keep exact, is refused', () => {
  assert.throws(() => pack(pack(moduleWith([[1, [1]]])).packed), /already has/);
  const passive = moduleWith([[1, [1]]]);
  const i = passive.lastIndexOf(0x41) - 1; // the segment's flag byte, before i32.const
  const bad = passive.slice();
  bad[i] = 2; // active with a memory index: not what the packer writes back
  assert.throws(() => pack(bad), /flag 2/);
});

test('a damaged section fails the write, not Go', () => {
  const packed = pack(moduleWith([[100, [1, 2]], [200, [3]]])).packed;
  const memory = new WebAssembly.Memory({ initial: 1 });
  writePackedData(new WebAssembly.Module(packed), memory);
  assert.deepEqual([...new Uint8Array(memory.buffer, 100, 2)], [1, 2]);
  const at = Buffer.from(packed).lastIndexOf(Buffer.from(PACKED_DATA_SECTION)) + PACKED_DATA_SECTION.length;
  const wrongVersion = packed.slice();
  wrongVersion[at] = 9;
  assert.throws(() => writePackedData(new WebAssembly.Module(wrongVersion), memory), /layout 9, not 2/);
  // The last segment's length byte made larger than what follows.
  const cut = packed.slice();
  cut[cut.length - 2] = 200;
  assert.throws(() => writePackedData(new WebAssembly.Module(cut), memory), /cut short or malformed/);
  // An offset past the memory.
  const far = pack(moduleWith([[65535, [1]]])).packed;
  assert.throws(() => writePackedData(new WebAssembly.Module(far), new WebAssembly.Memory({ initial: 0 })), /cut short or malformed/);
});

test('the shipped chatapi.wasm is packed, and Go\'s build of it starts with the same memory', async () => {
  const shipped = readFileSync(new URL('../../web/chatapi.wasm', import.meta.url));
  assert.equal(packedSections(shipped), 1, 'make build-wasm packs the module');
  const unpacked = `${repoRoot}build/wasm/chatapi.unpacked.wasm`;
  assert.ok(existsSync(unpacked), 'make build-wasm keeps Go\'s own build beside the packed one');
  await import('../../web/wasm_exec.js');
  const { packed, moved } = pack(readFileSync(unpacked));
  assert.ok(moved > 30000, `Go's PC table is still one segment per bucket (${moved} moved)`);
  await checkSameMemory(readFileSync(unpacked), packed, new globalThis.Go().importObject);
  assert.deepEqual(Buffer.from(packed), shipped, 'the shipped module is the pack of Go\'s build');
});

test('a packed module whose section is damaged is refused as load_failed, and nothing of Go runs', async () => {
  const shipped = readFileSync(new URL('../../web/chatapi.wasm', import.meta.url));
  const at = shipped.lastIndexOf(Buffer.from(PACKED_DATA_SECTION)) + PACKED_DATA_SECTION.length;
  const damaged = Buffer.from(shipped);
  damaged[at] = 7;
  await assert.rejects(createChatApi({ accountId: account(), domain: 'http://127.0.0.1:1', wasmModule: new WebAssembly.Module(damaged) }),
    (err) => err.code === 'load_failed' && /layout 7/.test(err.message));
  // The package's own module still loads and answers.
  const sim = await startSim();
  try {
    const api = await createChatApi({ accountId: account(), domain: sim.url });
    const { vid, sid, ...request } = seedRequest();
    assert.equal((await api.getEngagement(request)).status, 'Available');
    api.close();
  } finally {
    await sim.stop();
  }
});
