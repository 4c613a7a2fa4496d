// Entry module of the appengage gateway Worker. It replaces the fetch handler of the glue
// that workers-assets-gen generates (worker.mjs, which starts a fresh Go instance for every
// request) with one Go instance per isolate serving many requests, and reuses the generated
// wasm_exec.js and runtime.mjs unchanged.
//
// Why this is safe (see docs/gateway.md):
//  - The gateway's Go handler keeps no per-request state in globals, is safe for concurrent
//    use, and recovers from panics in a request. Requests run as goroutines, so one slow
//    upstream call does not hold up the others.
//  - The Go program reads only env (the Worker's vars and bindings, the same for every
//    request of an isolate) from its runtime context, never the per-request ctx, which is
//    therefore not given to it.
//  - If the Go program ever stops (a crash), the requests it was serving get a 500 and the
//    next request starts a new instance.
//  - An instance is retired after APPENGAGE_INSTANCE_REQUESTS requests (default 2000): it
//    finishes the ones it has and is then garbage collected, so whatever the Go runtime or
//    the JS bridge leaks per request (syumai/workers' promise helper keeps one callback per
//    awaited promise) is bounded.
import "./wasm_exec.js";
import "./upstream.mjs";
import { createRuntimeContext, loadModule } from "./runtime.mjs";

export { VisitorCap } from "./visitorcap.mjs";

const DEFAULT_REQUESTS_PER_INSTANCE = 2000;
const EXITED = Symbol("exited");

// The instance new requests go to, as a promise while it starts; null before the first
// request and after a retirement or a crash.
let current = null;

// startInstance instantiates the Go program. onExit runs synchronously when the program
// stops (from the runtime.wasmExit import, in the context of the request that was running):
// workerd cancels continuations of promises created by an earlier, finished request, so
// nothing here may wait on a promise made while starting the instance.
async function startInstance(env, onExit) {
  const mod = await loadModule();
  const binding = {};
  const go = new Go();
  let ready;
  const readyPromise = new Promise((resolve) => {
    ready = resolve;
  });
  // inflight holds, for each request being served, the function that fails it: a request
  // waits on its own promise, so nothing accumulates on a long-lived one.
  const inst = { binding, served: 0, exited: false, inflight: new Set() };
  let failStart;
  const startFailed = new Promise((resolve) => {
    failStart = () => resolve(EXITED);
  });
  const gojs = go.importObject.gojs;
  const wasmExit = gojs["runtime.wasmExit"];
  gojs["runtime.wasmExit"] = (sp) => {
    try {
      wasmExit(sp);
    } finally {
      inst.exited = true;
      for (const fail of inst.inflight) fail();
      inst.inflight.clear();
      failStart();
      onExit(inst);
    }
  };
  const instance = new WebAssembly.Instance(mod, {
    ...go.importObject,
    workers: { ready: () => ready() },
  });
  go.run(instance, createRuntimeContext({ env, ctx: undefined, binding })).catch((e) =>
    console.error("appengage gateway: the Go program failed:", e && e.message),
  );
  if ((await Promise.race([readyPromise, startFailed])) === EXITED || inst.exited) {
    throw new Error("the Go program stopped while starting");
  }
  return inst;
}

function instanceFor(env) {
  if (current === null) {
    const starting = startInstance(env, () => {
      if (current === starting) current = null;
    });
    current = starting;
    starting.catch(() => {
      if (current === starting) current = null;
    });
  }
  return current;
}

function internalError(message) {
  return Response.json({ time: Date.now(), message, internalCode: 18 }, { status: 500, headers: { "Cache-Control": "no-store" } });
}

function requestsPerInstance(env) {
  const n = Number(env.APPENGAGE_INSTANCE_REQUESTS);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_REQUESTS_PER_INSTANCE;
}

async function fetch(request, env) {
  let inst;
  const starting = instanceFor(env);
  try {
    inst = await starting;
  } catch (e) {
    console.error("appengage gateway:", e && e.message);
    return internalError("gateway failed to start");
  }
  inst.served++;
  if (inst.served >= requestsPerInstance(env) && current === starting) {
    current = null; // retire: the next request starts a fresh instance, this one drains
  }
  if (inst.exited) return internalError("gateway stopped; retry");
  let fail;
  const stopped = new Promise((resolve) => {
    fail = () => resolve(EXITED);
  });
  inst.inflight.add(fail);
  try {
    const res = await Promise.race([inst.binding.handleRequest(request), stopped]);
    if (res === EXITED) return internalError("gateway stopped while serving the request");
    return res;
  } catch (e) {
    console.error("appengage gateway:", e && e.message);
    return internalError("gateway internal error");
  } finally {
    inst.inflight.delete(fail);
  }
}

export default { fetch };
