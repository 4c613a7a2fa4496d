// The build's packing of tiny data segments (web/scripts/pack-wasm.mjs) and the loader's
// writing them back (writePackedData in web/src/loader.js): a packed module must start with
// the memory the original starts with, and a damaged section must fail the load, not start
// Go on wrong memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { pack, packedSection, checkSameMemory, initialMemory, uleb, sleb32 } from '../../web/scripts/pack-wasm.mjs';
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

/** A module of one page of memory whose packed-data section has this body. */
const moduleWithSection = (body) => new WebAssembly.Module(new Uint8Array([
  ...moduleWith([]),
  ...section(0, [...uleb(PACKED_DATA_SECTION.length), ...Buffer.from(PACKED_DATA_SECTION), ...body]),
]));
const run = (start, stride, len, ...segments) => ({ start, stride, count: segments.length, len, bytes: segments.map((x) => Buffer.from(x)) });

test('the section\'s writer puts every run in place, and a damaged section fails the write, not Go', async () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const mem = new Uint8Array(memory.buffer);
  await writePackedData(moduleWithSection(packedSection([run(100, 20, 2, [1, 2], [3, 4], [5, 6]), run(7, 0, 1, [9]), run(65532, 1, 4, [1, 2, 3, 4])])), memory);
  assert.deepEqual([...mem.subarray(100, 142)], [1, 2, ...Array(18).fill(0), 3, 4, ...Array(18).fill(0), 5, 6]);
  assert.equal(mem[7], 9);
  assert.deepEqual([...mem.subarray(65532)], [1, 2, 3, 4]);

  const good = packedSection([run(100, 20, 2, [1, 2], [3, 4])]);
  const wrongVersion = Buffer.from(good);
  wrongVersion[0] = 9;
  await assert.rejects(writePackedData(moduleWithSection(wrongVersion), memory), /layout 9, not 3/);
  // Cut inside the run headers, and inside the writer module.
  await assert.rejects(writePackedData(moduleWithSection(good.subarray(0, 3)), memory), /malformed \(cut short\)/);
  await assert.rejects(writePackedData(moduleWithSection(good.subarray(0, good.length - 5)), memory), /malformed/);
  // A header that claims more segments than the writer holds bytes for.
  const more = packedSection([run(100, 20, 2, [1, 2], [3, 4])]);
  more[1 + 1 + 1 + 1] = 3; // runs: 1, start: 100, stride: 20, count: 2 → 3
  await assert.rejects(writePackedData(moduleWithSection(more), memory), /does not fit/);
  // An offset past the memory.
  await assert.rejects(writePackedData(moduleWithSection(packedSection([run(65535, 0, 2, [1, 1])])), memory), /does not fit/);
  await assert.rejects(writePackedData(moduleWithSection(packedSection([run(0, 0, 1, [1])])), new WebAssembly.Memory({ initial: 0 })), /does not fit/);
});

test('where the host refuses to compile the writer synchronously (Chrome before 114), it is compiled asynchronously', async (t) => {
  const Module = WebAssembly.Module;
  let refused = 0;
  // Chrome's old main-thread limit: new WebAssembly.Module over 4 KB throws a RangeError.
  WebAssembly.Module = class extends Module {
    constructor(bytes) {
      if (bytes.byteLength > 4096) { refused++; throw new RangeError('WebAssembly.Module(): Buffer size is too large for synchronous compilation'); }
      super(bytes);
    }
  };
  t.after(() => { WebAssembly.Module = Module; });
  const big = Array.from({ length: 3000 }, (_, i) => [i % 251 + 1, 1]);
  const memory = new WebAssembly.Memory({ initial: 1 });
  await writePackedData(new Module(new Uint8Array([...moduleWith([]), ...section(0, [...uleb(PACKED_DATA_SECTION.length), ...Buffer.from(PACKED_DATA_SECTION), ...packedSection([run(0, 2, 2, ...big)])])])), memory);
  assert.equal(refused, 1);
  assert.deepEqual([...new Uint8Array(memory.buffer, 5998, 2)], big.at(-1));
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
