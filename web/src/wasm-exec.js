// Everything appengage needs from Go's wasm_exec.js, behind one function (startGo). wasm_exec.js
// is copied from the Go toolchain at build time and its Go class has no public API for exit
// listeners, timer liveness or diagnostics, so these read and patch its private fields. They
// are all here, checked by goInternalsProblems, so that a Go upgrade that renames one fails
// tests/node/wasm-exec.test.mjs (and the load, with a clear message) instead of misbehaving.

import { appEngageError } from './errors.js';

let goClass;

/** Loads wasm_exec.js (copied from the Go toolchain at build time) once and keeps its Go class. */
async function loadGo() {
  if (goClass) return goClass;
  await import('../wasm_exec.js');
  goClass = globalThis.Go;
  if (typeof goClass !== 'function') {
    throw appEngageError('internal', 'wasm_exec.js did not define Go; rebuild the package with make build-wasm');
  }
  return goClass;
}

/**
 * The wasm_exec.js internals startGo relies on that a fresh Go instance (before run) must
 * have, as a list of problems (empty when all are there).
 * @param {any} go a new Go()
 * @returns {string[]}
 */
export function goInternalsProblems(go) {
  const problems = [];
  if (typeof go.run !== 'function') problems.push('Go.prototype.run is not a function');
  if (typeof go._resume !== 'function') problems.push('go._resume is not a function');
  if (typeof go.exit !== 'function') problems.push('go.exit is not a function');
  if (typeof go.importObject?.gojs?.['runtime.scheduleTimeoutEvent'] !== 'function') {
    problems.push('go.importObject.gojs["runtime.scheduleTimeoutEvent"] is not a function');
  }
  if (!(go._scheduledTimeouts instanceof Map)) problems.push('go._scheduledTimeouts is not a Map');
  if (typeof go._nextCallbackTimeoutID !== 'number') problems.push('go._nextCallbackTimeoutID is not a number');
  return problems;
}

/**
 * Makes a Go runtime for one module instance, adapted for appengage: exit listeners, Go's
 * timers holding a Node process only while busy, and diagnostics.
 * @returns {Promise<{
 *   importObject: WebAssembly.Imports,
 *   run: (instance: WebAssembly.Instance) => void,
 *   alive: () => boolean,
 *   onExit: (fn: (code: number, err?: unknown) => void) => () => void,
 *   hold: () => void,
 *   release: () => void,
 *   enter: (fn: () => number) => boolean,
 *   inDirect: () => boolean,
 *   stats: (instance: WebAssembly.Instance) => {jsValues: number, timers: number, wasmMemoryBytes: number},
 * }>}
 */
export async function startGo() {
  const Go = await loadGo();
  const go = new Go();
  const problems = goInternalsProblems(go);
  if (problems.length > 0) {
    throw appEngageError('internal', `wasm_exec.js is not the one this loader was written for (${problems.join('; ')}); rebuild the package with make build-wasm`);
  }
  // The Go runtime asks crypto.getRandomValues for its seed as soon as it runs. In Node,
  // globalThis.crypto is a getter that loads webcrypto (~6 ms of the main thread); reading it
  // here does that while the loader waits for the wasm to compile off the main thread.
  void globalThis.crypto;
  const liveness = keepAliveWhileBusy(go);
  // Direct calls (jsbridge/internal/direct) call the module's wasmexport functions and then
  // resume Go's scheduler to run the goroutines they woke. Both are only sound while Go is
  // paused, not while JS runs under a Go frame (a js.Func's handler calling fetch, a storage
  // function or a getter that calls the ChatApi again): running counts those frames, which
  // all begin in run or in _resume (every js.Func call and timer goes through it).
  let running = 0;
  let inDirect = 0; // how many of those frames are a direct function's (enter's fn)
  const resume = go._resume;
  go._resume = function resumeCounted() {
    running++;
    try {
      return resume.call(this);
    } finally {
      running--;
    }
  };
  let exitCode = null;
  const exitListeners = [];
  go.exit = (code) => {
    exitCode = code;
    for (const fn of exitListeners) fn(code);
  };
  return {
    importObject: go.importObject,
    // run executes Go's main synchronously up to its first block; its promise never settles
    // while the program is alive.
    run(instance) {
      running++;
      try {
        go.run(instance).catch((err) => { exitCode = exitCode ?? -1; for (const fn of exitListeners) fn(-1, err); });
      } finally {
        running--;
      }
    },
    // enter runs fn, which calls one of the module's direct functions and returns its answer:
    // 0 not taken, 1 taken, 2 taken with a goroutine woken, for which enter then runs Go's
    // scheduler until every goroutine waits again. It reports whether the call was taken,
    // and returns false without calling fn while Go is running or has exited: use the
    // js.Func path then.
    enter(fn) {
      if (running !== 0 || exitCode !== null) return false;
      running++;
      inDirect++;
      let answer;
      try {
        answer = fn();
      } finally {
        running--;
        inDirect--;
      }
      if (answer === 2) go._resume();
      return answer === 1 || answer === 2;
    },
    // inDirect reports whether JS runs under a direct function now (a fetch function a
    // call on the JS thread calls, which calls the ChatApi again).
    inDirect: () => inDirect !== 0,
    alive: () => exitCode === null,
    onExit: (fn) => {
      exitListeners.push(fn);
      return () => { const i = exitListeners.indexOf(fn); if (i >= 0) exitListeners.splice(i, 1); };
    },
    hold: liveness.hold,
    release: liveness.release,
    // JS values Go holds references to (every live js.Func and js.Value is one), Go's pending
    // timers, and the wasm linear memory (Go's heap).
    stats: (instance) => ({
      jsValues: go._values.length - go._idPool.length,
      timers: go._scheduledTimeouts.size,
      wasmMemoryBytes: instance.exports.mem.buffer.byteLength,
    }),
  };
}

/**
 * Go's runtime sleeps with setTimeout, and a timer it no longer needs (a cancelled context's
 * deadline, say) stays scheduled until it fires, which keeps Node from exiting for up to the
 * longest deadline. So in hosts whose timers can be unref'd (Node, Electron main), Go's
 * timers hold the process only while a call or a watch is under way.
 */
function keepAliveWhileBusy(go) {
  const schedule = go.importObject.gojs['runtime.scheduleTimeoutEvent'];
  let busy = 0;
  const apply = (t) => {
    if (typeof t?.unref !== 'function') return;
    if (busy > 0) t.ref(); else t.unref();
  };
  go.importObject.gojs['runtime.scheduleTimeoutEvent'] = (sp) => {
    const before = go._nextCallbackTimeoutID;
    schedule(sp);
    apply(go._scheduledTimeouts.get(before));
  };
  const all = () => { for (const t of go._scheduledTimeouts.values()) apply(t); };
  return {
    hold() { if (busy++ === 0) all(); },
    release() { if (--busy === 0) all(); },
  };
}
