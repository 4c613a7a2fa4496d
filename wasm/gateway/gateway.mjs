// Entry module of the appengage gateway Worker. It replaces the fetch handler of the glue
// that workers-assets-gen generates (worker.mjs, which starts a fresh Go instance for every
// request and throws it away) with a pool of Go instances that are reused, one request at a
// time each, and reuses the generated wasm_exec.js and runtime.mjs unchanged.
//
// Why one request at a time per instance: workerd ties every timer and promise to the
// request during which it was created, and cancels what is still pending when that request
// ends. The Go runtime arms its single wake-up timer, and starts fetches and stream reads,
// from whatever JS event it happens to be running in; with two requests in one instance, a
// goroutine of one request is often woken in the other's event, and when that other request
// ends first the first one hangs (tests/gateway: TestInterleavedRetriesOnOneInstance). Given
// one request at a time, everything the Go program does for a request happens inside that
// request, which stays open until the Go side is done: the answer is read to its end here
// before it is returned.
//
// Why reuse is safe otherwise (see docs/gateway.md):
//  - The gateway's Go handler keeps no per-request state in globals and recovers from panics
//    in a request.
//  - The Go program reads only env (the Worker's vars and bindings, the same for every
//    request of an isolate) from its runtime context, never the per-request ctx, which is
//    therefore not given to it.
//  - If the Go program ever stops (a crash), the request it was serving gets a 500 and the
//    instance is dropped; the next request gets another one.
//  - An instance is retired after APPENGAGE_INSTANCE_REQUESTS requests (default 2000), which
//    bounds whatever the Go runtime or the JS bridge leaks per request (syumai/workers'
//    promise helper keeps one callback per awaited promise).
//  - Concurrent requests each take an idle instance or start a new one (as the stock glue
//    does for every request); at most APPENGAGE_IDLE_INSTANCES (default 4, up to about
//    16 MB each) stay for reuse.
import "./wasm_exec.js";
import "./upstream.mjs";
import { createRuntimeContext, loadModule } from "./runtime.mjs";

export { VisitorCap } from "./visitorcap.mjs";

const DEFAULT_REQUESTS_PER_INSTANCE = 2000;
const DEFAULT_IDLE_INSTANCES = 4;
const EXITED = Symbol("exited");

// Instances waiting for their next request, most recently used last.
const idle = [];

// startInstance instantiates the Go program within the current request. The program is
// known to have stopped synchronously, from the runtime.wasmExit import, which fails the
// request under way.
async function startInstance(env) {
  const mod = await loadModule();
  const binding = {};
  const go = new Go();
  let ready;
  const readyPromise = new Promise((resolve) => {
    ready = resolve;
  });
  const inst = { binding, served: 0, exited: false, fail: null };
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
      inst.fail?.();
      failStart();
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

function positiveVar(env, name, fallback) {
  const n = Number(env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

async function acquire(env) {
  while (idle.length > 0) {
    const inst = idle.pop();
    if (!inst.exited) return inst;
  }
  return startInstance(env);
}

function release(inst, env) {
  inst.fail = null;
  const retire = positiveVar(env, "APPENGAGE_INSTANCE_REQUESTS", DEFAULT_REQUESTS_PER_INSTANCE);
  if (!inst.exited && inst.served < retire && idle.length < positiveVar(env, "APPENGAGE_IDLE_INSTANCES", DEFAULT_IDLE_INSTANCES)) {
    idle.push(inst);
  }
}

const DEFAULT_BODY_TIMEOUT_MS = 10_000; // gateway.DefaultBodyTimeout
const DEFAULT_MAX_BODY = 65536; // gateway.DefaultMaxBodyBytes
const TIMED_OUT = Symbol("timed out");

// durationMs reads a Go-style duration var of one unit ("10s", "500ms", "1m"), else fallback.
function durationMs(env, name, fallback) {
  const m = /^\s*(\d+(?:\.\d+)?)(ms|s|m)\s*$/.exec(env[name] ?? "");
  if (!m) return fallback;
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2]];
  return ms > 0 ? ms : fallback;
}

// readBody reads a request body under one deadline (APPENGAGE_BODY_TIMEOUT) and stops after
// limit bytes, so a client trickling its body (1 byte every 5 s) or sending an endless one
// neither holds the request nor the isolate's memory. It returns the bytes read (at most
// limit; the Go handler answers 413 past APPENGAGE_MAX_BODY) or TIMED_OUT. Natively the same
// bound is the connection's read deadline (gateway.Config.BodyTimeout).
async function readBody(request, limit, timeoutMs) {
  const reader = request.body.getReader();
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  const chunks = [];
  let total = 0;
  try {
    while (total < limit) {
      const r = await Promise.race([reader.read(), deadline]);
      if (r === TIMED_OUT) return TIMED_OUT;
      if (r.done) break;
      chunks.push(r.value);
      total += r.value.byteLength;
    }
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(Math.min(total, limit));
  let at = 0;
  for (const c of chunks) {
    const n = Math.min(c.byteLength, out.length - at);
    out.set(c.subarray(0, n), at);
    at += n;
    if (at === out.length) break;
  }
  return out;
}

// corsHeaders adds to headers what gateway/handler.go's cors sets on every answer to a
// non-preflight request: Vary: Origin unless every origin is allowed, and for an allowed
// Origin (APPENGAGE_ORIGINS, comma-separated, or *) Access-Control-Allow-Origin and
// Access-Control-Expose-Headers. Answers made here, before the Go handler runs, need them too,
// or a browser sees an opaque network error instead of the status and its body.
function corsHeaders(request, env, headers) {
  const allowed = String(env.APPENGAGE_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter((o) => o !== "");
  const any = allowed.includes("*");
  if (!any) headers.Vary = "Origin";
  const origin = request.headers.get("Origin");
  if (origin && (any || allowed.some((o) => o.replace(/\/+$/, "") === origin))) {
    headers["Access-Control-Allow-Origin"] = origin;
    headers["Access-Control-Expose-Headers"] = "Retry-After";
  }
  return headers;
}

// withBoundedBody returns the request with its body read under the deadline and the size
// bound, or a 408 answer in LivePerson's error shape (with the CORS headers of the gateway's
// other answers).
async function withBoundedBody(request, env) {
  if (request.body === null) return request;
  const limit = positiveVar(env, "APPENGAGE_MAX_BODY", DEFAULT_MAX_BODY) + 1;
  const timeoutMs = durationMs(env, "APPENGAGE_BODY_TIMEOUT", DEFAULT_BODY_TIMEOUT_MS);
  const body = await readBody(request, limit, timeoutMs);
  if (body === TIMED_OUT) {
    return Response.json(
      { time: Date.now(), message: "request body not received in time", internalCode: 5 },
      { status: 408, headers: corsHeaders(request, env, { "Cache-Control": "no-store", Connection: "close" }) },
    );
  }
  return new Request(request, { body });
}

function internalError(message, request, env) {
  return Response.json(
    { time: Date.now(), message, internalCode: 18 },
    { status: 500, headers: corsHeaders(request, env, { "Cache-Control": "no-store" }) },
  );
}

// serve runs one request on inst and reads the answer to its end, so the Go side has
// finished with this request when it returns.
async function serve(inst, request, env) {
  const stopped = new Promise((resolve) => {
    inst.fail = () => resolve(EXITED);
  });
  const res = await Promise.race([inst.binding.handleRequest(request), stopped]);
  if (res === EXITED) return internalError("gateway stopped while serving the request", request, env);
  const body = await Promise.race([res.arrayBuffer(), stopped]);
  if (body === EXITED) return internalError("gateway stopped while serving the request", request, env);
  const noBody = request.method === "HEAD" || [101, 204, 205, 304].includes(res.status);
  return new Response(noBody ? null : body, { status: res.status, headers: res.headers });
}

async function fetch(request, env) {
  const bounded = await withBoundedBody(request, env);
  if (bounded instanceof Response) return bounded;
  request = bounded;
  let inst;
  try {
    inst = await acquire(env);
  } catch (e) {
    console.error("appengage gateway:", e && e.message);
    return internalError("gateway failed to start", request, env);
  }
  inst.served++;
  try {
    return await serve(inst, request, env);
  } catch (e) {
    console.error("appengage gateway:", e && e.message);
    return internalError("gateway internal error", request, env);
  } finally {
    release(inst, env);
  }
}

export default { fetch };
