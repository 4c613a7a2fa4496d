// Packs the data segments of a Go wasm module that are a few bytes each into one custom
// section, which the loader writes into memory before Go starts (writePackedData in
// src/loader.js), and checks that the memory a packed module starts with is byte for byte
// the memory the original starts with. make build-wasm runs it on every build:
//   node web/scripts/pack-wasm.mjs IN.wasm OUT.wasm
// Why: Go's linker writes its PC → function lookup table (runtime.findfunctab: 20-byte
// buckets of which the first 2 bytes are not zero, 16 buckets per function since a wasm PC
// gives each function 64 KB) as one active data segment per bucket: 40,000 of the module's
// 44,000 segments and 400 KB of the file, each decoded and copied by V8 on its own at every
// start. Packed, they are ~80 KB in ~150 runs, copied into place by a small wasm module the
// section carries (writerModule); a cold start to a ready ChatApi took 9–13 ms less
// (docs/benchmarks/wasm.md, "Go's findfunctab").
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKED_DATA_SECTION, PACKED_DATA_IMPORT, writePackedData } from '../src/loader.js';

/** Segments of at most this many bytes move into the custom section. */
const MOVED_MAX = 4;
const VERSION = 3;

/** v as an unsigned LEB128, the way wasm writes lengths and counts. */
export const uleb = (v) => {
  const out = [];
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
};
/** v (an i32) as a signed LEB128, the way an i32.const writes it. */
export const sleb32 = (v) => {
  const out = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && (b & 0x40))) { out.push(b); return out; }
    out.push(b | 0x80);
  }
};

/** A wasm section: its id, its size and body (an array of bytes or a Buffer). */
const section = (id, body) => Buffer.concat([Buffer.from([id, ...uleb(body.length)]), Buffer.from(body)]);
/** A wasm name: its length in bytes and its UTF-8. */
const name = (text) => [...uleb(Buffer.byteLength(text)), ...Buffer.from(text)];

/**
 * Returns the packed module for wasm (a Uint8Array) and what was moved. Throws on a data
 * segment it does not know how to keep exact (passive ones, offsets not an i32.const).
 */
export function pack(wasm) {
  const buf = Buffer.from(wasm.buffer, wasm.byteOffset, wasm.byteLength);
  if (buf.readUInt32LE(0) !== 0x6d736100 || buf.readUInt32LE(4) !== 1) throw new Error('not a wasm module (version 1)');
  let pos = 8;
  const u32 = () => {
    let r = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[pos++];
      r += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return r;
    }
  };
  const i32 = () => {
    let r = 0;
    let shift = 0;
    let b;
    do { b = buf[pos++]; r |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    if (shift < 32 && (b & 0x40)) r |= -1 << shift;
    return r;
  };
  const sections = [];
  while (pos < buf.length) {
    const id = buf[pos++];
    const size = u32();
    sections.push({ id, start: pos, end: pos + size });
    pos += size;
  }
  const kept = [];
  const moved = [];
  for (const s of sections.filter((x) => x.id === 11)) {
    pos = s.start;
    for (let n = u32(); n > 0; n--) {
      const flag = u32();
      if (flag !== 0) throw new Error(`data segment with flag ${flag}: only active segments of memory 0 are packed`);
      if (buf[pos++] !== 0x41) throw new Error('data segment offset is not an i32.const');
      const offset = i32() >>> 0;
      if (buf[pos++] !== 0x0b) throw new Error('data segment offset expression is not one i32.const');
      const len = u32();
      const bytes = buf.subarray(pos, pos + len);
      pos += len;
      (len <= MOVED_MAX ? moved : kept).push({ offset, bytes });
    }
  }
  const out = [buf.subarray(0, 8)];
  for (const s of sections) {
    if (s.id === 11) {
      const parts = [Buffer.from(uleb(kept.length))];
      for (const { offset, bytes } of kept) parts.push(Buffer.from([0, 0x41, ...sleb32(offset | 0), 0x0b, ...uleb(bytes.length)]), bytes);
      out.push(section(11, Buffer.concat(parts)));
    } else if (s.id === 12) {
      out.push(section(12, Buffer.from(uleb(kept.length)))); // the data count
    } else if (s.id === 0 && buf.toString('utf8', s.start + 1, s.start + 1 + buf[s.start]) === PACKED_DATA_SECTION) {
      throw new Error(`the module already has a ${PACKED_DATA_SECTION} section`);
    } else {
      out.push(section(s.id, buf.subarray(s.start, s.end)));
    }
  }
  // The moved segments are written after instantiation has written the kept ones, in address
  // order (Go's linker does not emit them all in order): that is the same memory as long as
  // no two segments overlap, which checkSameMemory (below) makes the build check. They are
  // cut into runs: segments of one length, each one stride after the last. Go's PC table is a
  // handful of runs of thousands.
  moved.sort((x, y) => x.offset - y.offset);
  const runs = [];
  for (const { offset, bytes } of moved) {
    const run = runs.at(-1);
    if (run && run.len === bytes.length && (run.count === 1 || offset - run.last === run.stride)) {
      if (run.count === 1) run.stride = offset - run.last;
      run.count++;
      run.last = offset;
      run.bytes.push(bytes);
      continue;
    }
    runs.push({ start: offset, last: offset, stride: 0, count: 1, len: bytes.length, bytes: [bytes] });
  }
  const body = packedSection(runs);
  out.push(section(0, Buffer.concat([Buffer.from(name(PACKED_DATA_SECTION)), body])));
  return { packed: new Uint8Array(Buffer.concat(out)), kept: kept.length, moved: moved.length, runs: runs.length, sectionBytes: body.length };
}

/**
 * The body of the custom section (after its name) for these runs, each {start, stride,
 * count, len, bytes: [Uint8Array of len bytes, count of them]}: the layout writePackedData in
 * src/loader.js reads.
 */
export function packedSection(runs) {
  const body = [VERSION, ...uleb(runs.length)];
  for (const run of runs) body.push(...uleb(run.start), ...uleb(run.stride), ...uleb(run.count), run.len);
  return Buffer.concat([Buffer.from(body), writerModule(Buffer.concat(runs.flatMap((run) => run.bytes)))]);
}

/**
 * The wasm module that writes the runs: it imports the Go module's memory as
 * PACKED_DATA_IMPORT.mem, holds the segments' bytes, one after the other, as one passive data
 * segment, and exports copy(to, from, end, stride, len), which copies the segments
 * from[from..end) of len bytes each to to, to + stride, … with memory.init. The loader calls
 * it once per run. One small loop for all runs, not one loop per run: V8 recompiles a hot
 * wasm function with TurboFan in the background, which took 40–50 ms of CPU for a function of
 * 147 loops and competed with Go's start.
 */
export function writerModule(bytes) {
  const code = [
    0, // no locals
    0x03, 0x40, // loop
    0x20, 0, 0x20, 1, 0x20, 4, 0xfc, 0x08, 0, 0, // memory.init data 0, memory 0 (to, from, len)
    0x20, 0, 0x20, 3, 0x6a, 0x21, 0, // to += stride
    0x20, 1, 0x20, 4, 0x6a, 0x22, 1, // from += len
    0x20, 2, 0x49, 0x0d, 0, // br_if from < end (unsigned)
    0x0b, 0x0b, // end loop; end
  ];
  return Buffer.concat([
    Buffer.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
    section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]), // type 0: (i32 × 5) → ()
    section(2, [1, ...name(PACKED_DATA_IMPORT), ...name('mem'), 0x02, 0, 0]), // memory, min 0 pages
    section(3, [1, 0]),
    section(7, [1, ...name('copy'), 0x00, 0]),
    section(12, [1]), // data count: memory.init needs it
    section(10, [1, ...uleb(code.length), ...code]),
    section(11, Buffer.concat([Buffer.from([1, 1, ...uleb(bytes.length)]), bytes])), // one passive segment
  ]);
}

/** The memory a module starts with, before any of its code runs (the loader's writes done). */
export async function initialMemory(wasm, importObject) {
  const module = await WebAssembly.compile(wasm);
  const instance = await WebAssembly.instantiate(module, importObject);
  const memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory);
  await writePackedData(module, memory);
  return new Uint8Array(memory.buffer);
}

/** Throws unless a and b start with the same memory. */
export async function checkSameMemory(a, b, importObject) {
  const [ma, mb] = [await initialMemory(a, importObject), await initialMemory(b, importObject)];
  if (ma.length !== mb.length) throw new Error(`initial memory ${ma.length} vs ${mb.length} bytes`);
  for (let i = 0; i < ma.length; i++) {
    if (ma[i] !== mb[i]) throw new Error(`initial memory differs at byte ${i}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node web/scripts/pack-wasm.mjs IN.wasm OUT.wasm');
    process.exit(2);
  }
  const wasm = readFileSync(input);
  const { packed, kept, moved, runs, sectionBytes } = pack(wasm);
  await import('../wasm_exec.js'); // Go's imports, to instantiate both without running them
  await checkSameMemory(wasm, packed, new globalThis.Go().importObject);
  writeFileSync(output, packed);
  console.log(`pack-wasm: ${output}: ${moved} of ${kept + moved} data segments packed into ${runs} runs, ${sectionBytes} bytes; ${wasm.length} → ${packed.length} bytes, the same initial memory`);
}
