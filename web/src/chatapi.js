// The ChatApi class over the handle the Go module returns, and createWith, the body of both
// entries' createChatApi: the checks of the options handled in JS, then a client in the
// module the entry's loader started (src/loader.js).

import { appEngageError } from './errors.js';
import { exchangeOver } from './exchange.js';
import { inPage, watchInPage } from './watch-browser.js';

export { appEngageError };

const noop = () => {};

// ---- Reading what callers pass ---------------------------------------------------------
//
// Options and requests are read as own, enumerable, string-keyed properties only: never
// through the prototype chain (an own "__proto__" key from JSON.parse is just an unknown
// key), each property's descriptor read once (a getter runs at most once), and every
// throwing getter or Proxy trap becomes a validation problem naming its field. The copies
// are null-prototype objects, so nothing inherited (a polluted Object.prototype, a toJSON)
// is seen by JSON.stringify or the Go module.

/** Deeper than this, the walk stops copying and hands the rest to the module, whose one
 * depth limit (far below this) refuses it by field path; it only keeps the walk off the
 * end of the JS stack. */
const WALK_LIMIT = 512;
/** An array longer than this is not read: the module takes at most 20,000 values in a whole
 * request and refuses a longer array by its length, unread, while reading a sparse one
 * (new Array(1e9)) item by item would hold the JS thread for minutes. */
const ARRAY_UNREAD = 1 << 16;
/** Requests nested deeper than this take the module's walked path instead of JSON text, so
 * that a depth error names its field. Real requests are 4 levels deep. */
const FAST_PATH_DEPTH = 16;

// Whether a value is a Proxy, where the host can tell (Node's util.types.isProxy, reached
// without an import so that this file stays the same for browsers); null elsewhere, and then
// every object is read through descriptors. An object known not to be a Proxy runs no trap
// when read, so it can be read without a descriptor object per property (TreeWalk).
const isProxy = (() => {
  try {
    const fn = globalThis.process?.getBuiltinModule?.('node:util')?.types?.isProxy;
    return typeof fn === 'function' ? fn : null;
  } catch {
    return null;
  }
})();
const { propertyIsEnumerable } = Object.prototype;

const joinField = (path, key) => (path === '' ? key : `${path}.${key}`);

function thrownText(err) {
  try {
    if (err instanceof Error) return err.message;
    return String(err);
  } catch {
    return 'an unprintable value was thrown';
  }
}

// Whether v (an object) is a plain object of any realm: its prototype is null or a
// prototype whose own prototype is null (Object.prototype here, in an iframe or in vm).
// A Map, a Date or a class instance is not, whatever its Symbol.toStringTag says.
function plainPrototype(v) {
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

// The name of v's class, for messages (read from descriptors, running no getter).
function className(v) {
  try {
    let proto = Object.getPrototypeOf(v);
    while (proto !== null) {
      const d = Object.getOwnPropertyDescriptor(proto, 'constructor');
      if (d && typeof d.value === 'function' && d.value.name) return d.value.name;
      proto = Object.getPrototypeOf(proto);
    }
  } catch {
    // a Proxy trap threw: no name
  }
  return 'an object with a prototype';
}

/**
 * Reads obj's own enumerable string-keyed properties into [key, value] pairs, each getter or
 * trap run once. A throw is added to problems under the field it concerns; then null is
 * returned (for the whole object) or the key is skipped.
 */
export function ownEntries(obj, path, problems, name = path) {
  let keys;
  try {
    keys = Reflect.ownKeys(obj);
  } catch (err) {
    problems.push({ field: name, message: `could not be read: ${thrownText(err)}` });
    return null;
  }
  const out = [];
  for (const key of keys) {
    if (typeof key !== 'string') continue;
    const field = joinField(path, key);
    try {
      const d = Reflect.getOwnPropertyDescriptor(obj, key);
      if (!d || !d.enumerable) continue;
      out.push([key, 'value' in d ? d.value : d.get === undefined ? undefined : d.get.call(obj)]);
    } catch (err) {
      problems.push({ field, message: `could not be read: ${thrownText(err)}` });
    }
  }
  return out;
}

/**
 * Copies a JSON-like value (a request, or an option handed to the module) out of the
 * caller's objects: own data only, plain objects and arrays only, no cycles, no bigints.
 * Values JSON would change (NaN, undefined in an array, functions, symbols) are kept as they
 * are and make the copy not `clean`, so that the module reports each by its field path.
 * @returns {{value: unknown, clean: boolean, depth: number, problems: {field: string, message: string}[]}}
 */
export function copyTree(root, rootField = '', ancestors = []) {
  const w = new TreeWalk(rootField, ancestors, NULL_PROTO);
  const value = w.walk(root, 0);
  return { value, clean: w.clean, depth: w.maxDepth, problems: w.problems };
}

// One walk of copyTree. The field path of the value being read is kept as a stack of
// segments (a key, or an array index) and only made into text when a problem names it, and
// each object's properties are read into one flat [key, value, ...] array before its
// children are walked (so every getter of an object runs before any of its children's).
class TreeWalk {
  // proto: the prototype of the object copies (see TEXT_PROTO).
  constructor(rootField, ancestors, proto) {
    this.root = rootField;
    this.proto = proto;
    this.problems = [];
    this.stack = ancestors.length === 0 ? [] : [...ancestors];
    this.segs = [];
    // An object reached twice (not a cycle) is read once and its copy shared; the module then
    // walks the copy, whose depth it checks itself.
    this.copies = new Map();
    this.clean = true;
    this.maxDepth = 0;
  }

  // The field path of the value being read, with extra (a key or an index) appended.
  field(extra) {
    let s = this.root;
    const segs = this.segs;
    for (let i = 0; i < segs.length; i++) s = joinSeg(s, segs[i]);
    return extra === undefined ? s : joinSeg(s, extra);
  }

  problem(extra, message) {
    this.problems.push({ field: this.field(extra), message });
  }

  walk(v, depth) {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (!Number.isFinite(v)) this.clean = false;
        return v;
      case 'object':
        if (v === null) return null;
        return this.object(v, depth);
      case 'undefined':
        return v; // absent in an object (as in JSON); made not clean by the array that holds it
      case 'bigint': // syscall/js cannot even ask a bigint its type: refused here
        this.problem(undefined, 'must be a number, not a bigint');
        return null;
      default: // function, symbol: the module names them
        this.clean = false;
        return v;
    }
  }

  object(v, depth) {
    if (depth > this.maxDepth) this.maxDepth = depth;
    if (depth >= WALK_LIMIT) {
      this.clean = false;
      return v;
    }
    const stack = this.stack;
    if (stack.includes(v)) {
      this.problem(undefined, 'refers back to an enclosing object (a cycle)');
      return null;
    }
    const copies = this.copies;
    if (copies.has(v)) {
      this.clean = false;
      return copies.get(v);
    }
    let isArray;
    try {
      isArray = Array.isArray(v); // throws for a revoked Proxy
      if (!isArray && !plainPrototype(v)) {
        this.problem(undefined, `must be a plain object, not ${className(v)}`);
        return null;
      }
    } catch (err) {
      this.problem(undefined, `could not be read: ${thrownText(err)}`);
      return null;
    }
    stack.push(v);
    try {
      if (isArray) {
        const items = this.array(v, depth);
        copies.set(v, items);
        return items;
      }
      const kv = this.entries(v);
      if (kv === null) return null;
      const out = Object.create(this.proto);
      copies.set(v, out);
      const segs = this.segs;
      for (let i = 0; i < kv.length; i += 2) {
        const key = kv[i];
        segs.push(key);
        out[key] = this.walk(kv[i + 1], depth + 1);
        segs.pop();
      }
      return out;
    } finally {
      stack.pop();
    }
  }

  // v's own enumerable string-keyed properties as [key, value, ...], each getter run once;
  // null when v's keys cannot be read. A Proxy (and, where Proxies cannot be told apart, any
  // object) is read through property descriptors, so no trap but getOwnPropertyDescriptor
  // runs. An object known not to be a Proxy (an ordinary object, or an exotic one of the
  // engine's whose own properties behave as data) is read without a descriptor object per
  // property: the getter runs once, by the read itself, and a key an earlier getter removed
  // or hid is skipped, as a descriptor read would.
  entries(v) {
    const ordinary = isProxy !== null && !isProxy(v);
    let keys;
    try {
      keys = ordinary ? Object.keys(v) : Reflect.ownKeys(v);
    } catch (err) {
      this.problem(undefined, `could not be read: ${thrownText(err)}`);
      return null;
    }
    const kv = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key !== 'string') continue;
      try {
        if (ordinary) {
          if (!propertyIsEnumerable.call(v, key)) continue; // own and enumerable, still
          kv.push(key, v[key]);
          continue;
        }
        const d = Reflect.getOwnPropertyDescriptor(v, key);
        if (!d || !d.enumerable) continue;
        kv.push(key, 'value' in d ? d.value : d.get === undefined ? undefined : d.get.call(v));
      } catch (err) {
        this.problem(key, `could not be read: ${thrownText(err)}`);
      }
    }
    return kv;
  }

  array(v, depth) {
    const ordinary = isProxy !== null && !isProxy(v);
    let length;
    try {
      length = ordinary ? v.length : Reflect.getOwnPropertyDescriptor(v, 'length').value;
    } catch (err) {
      this.problem(undefined, `could not be read: ${thrownText(err)}`);
      return null;
    }
    if (Number.isInteger(length) && length > ARRAY_UNREAD && length <= 0xFFFFFFFF) {
      this.clean = false;
      return new Array(length); // holes only: the module refuses it by its length
    }
    const out = new Array(length);
    const segs = this.segs;
    for (let i = 0; i < length; i++) {
      let item;
      try {
        if (ordinary) {
          item = Object.hasOwn(v, i) ? v[i] : undefined; // never an inherited index
        } else {
          const d = Reflect.getOwnPropertyDescriptor(v, String(i));
          item = d === undefined ? undefined : 'value' in d ? d.value : d.get === undefined ? undefined : d.get.call(v);
        }
      } catch (err) {
        this.problem(i, `could not be read: ${thrownText(err)}`);
        continue;
      }
      if (item === undefined) this.clean = false; // a hole or undefined item: the module names it
      segs.push(i);
      out[i] = this.walk(item, depth + 1);
      segs.pop();
    }
    return out;
  }
}

const NULL_PROTO = null;
// The prototype of the copies requestPayload makes for JSON.stringify: frozen, empty and
// itself without a prototype, so nothing inherited (a polluted Object.prototype's toJSON or
// setter, the __proto__ accessor) is seen when the copy is written or stringified, while V8
// keeps the copies fast objects (a null prototype makes dictionary ones, slower to fill and
// to stringify). A copy that goes to the module as it is becomes null-prototype first.
const TEXT_PROTO = Object.freeze(Object.create(null));
const PROBE_ARRAY = [];

// copy (a TEXT_PROTO copy, shared objects shared) with null-prototype objects; below
// WALK_LIMIT (where the walk left the caller's objects as they are) it holds only copies.
function nullProtoCopy(v, depth, seen) {
  if (typeof v !== 'object' || v === null || depth >= WALK_LIMIT) return v;
  let out = seen.get(v);
  if (out !== undefined) return out;
  if (Array.isArray(v)) {
    if (v.length > ARRAY_UNREAD) return v; // the walk's unread stand-in (see array)
    out = new Array(v.length);
    seen.set(v, out);
    for (let i = 0; i < v.length; i++) out[i] = nullProtoCopy(v[i], depth + 1, seen);
    return out;
  }
  out = Object.create(null);
  seen.set(v, out);
  for (const key of Object.keys(v)) out[key] = nullProtoCopy(v[key], depth + 1, seen);
  return out;
}

// A field path with one more segment: .key for an object's key, [i] for an array's index.
const joinSeg = (path, seg) => (typeof seg === 'number' ? `${path}[${seg}]` : joinField(path, seg));

function validationError(problems, what = 'invalid arguments') {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return appEngageError('validation', `${what}: ${first.field ? `${first.field}: ` : ''}${first.message}${more}`, {
    field: first.field, problems,
  });
}

/**
 * Prepares a request for the Go module: JSON text when the copy is clean and shallow (the
 * fast path: one string crosses the boundary instead of one call per value), else the copy
 * itself, which the module walks to report each value JSON cannot hold by its field path.
 * Throws a validation error for what only JS can see (getters and traps that throw,
 * non-plain objects, cycles).
 */
export function requestPayload(value) {
  const w = new TreeWalk('', [], TEXT_PROTO);
  const copy = w.walk(value, 0);
  if (w.problems.length > 0) throw validationError(w.problems);
  // The copies' arrays are ordinary arrays: a toJSON on Array.prototype or Object.prototype
  // (pollution) would be called by JSON.stringify, so then the module walks the copy instead.
  if (w.clean && w.maxDepth <= FAST_PATH_DEPTH && !('toJSON' in PROBE_ARRAY)) {
    const text = JSON.stringify(copy);
    if (text !== undefined) return text;
  }
  return nullProtoCopy(copy, 0, new Map());
}

// ---- Arguments and options of the ChatApi's methods ---------------------------------------

// A short description of a value for messages: its kind, never its content (it may be
// personal data).
function describe(v) {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'object':
      try {
        if (Array.isArray(v)) return 'an array';
        return plainPrototype(v) ? 'an object' : className(v);
      } catch {
        return 'an unreadable object (a revoked Proxy?)';
      }
    case 'undefined': return 'undefined';
    case 'bigint': return 'a bigint';
    default: return `a ${typeof v}`;
  }
}

const checkFunction = (v) => (typeof v === 'function' ? '' : `must be a function, not ${describe(v)}`);
// The kind only: the module checks the value (a whole number, not negative, at most a day).
const checkMs = (v) => {
  if (typeof v !== 'number') return `must be a number of milliseconds, not ${describe(v)}`;
  return Number.isFinite(v) ? '' : 'must be a finite number of milliseconds';
};
// An AbortSignal of any realm (Node, a browser, an iframe, Electron's other world).
const checkSignal = (v) => {
  try {
    if (v !== null && typeof v === 'object' && typeof v.aborted === 'boolean'
      && typeof v.addEventListener === 'function' && typeof v.removeEventListener === 'function') return '';
  } catch {
    // a Proxy that throws is not a signal
  }
  return `must be an AbortSignal, not ${describe(v)}`;
};

/** The options each method takes, with their checks. */
const CALL_OPTIONS = { signal: checkSignal, timeoutMs: checkMs, onError: checkFunction };
const WATCH_OPTIONS = { intervalMs: checkMs };

// A hint for an unknown key that is a near miss of a known one (timeout for timeoutMs).
function hint(key, known) {
  if (key.length < 3) return '';
  const lower = key.toLowerCase();
  const match = known.find((k) => k.toLowerCase() === lower || k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase()));
  return match ? `; did you mean ${match}?` : '';
}

/** What readOptions gives for absent options: one frozen empty object for every call. */
const NO_OPTIONS = Object.freeze(Object.create(null));

/**
 * Reads an options argument against spec (key -> check): a null-prototype object of the
 * known keys, their values read once; problems (field options.<key>) are added to problems.
 */
export function readOptions(raw, spec, problems, root = 'options') {
  if (raw === undefined || raw === null) return NO_OPTIONS;
  const out = Object.create(null);
  let plain = false;
  try {
    plain = typeof raw === 'object' && !Array.isArray(raw) && plainPrototype(raw);
  } catch (err) {
    problems.push({ field: root, message: `could not be read: ${thrownText(err)}` });
    return out;
  }
  if (!plain) {
    problems.push({ field: root, message: `must be an options object, not ${describe(raw)}` });
    return out;
  }
  const entries = ownEntries(raw, root, problems);
  const known = Object.keys(spec);
  for (const [key, value] of entries ?? []) {
    const field = joinField(root, key);
    if (!Object.hasOwn(spec, key)) {
      problems.push({ field, message: `is not a known option${hint(key, known)}` });
      continue;
    }
    if (value === undefined) continue;
    const msg = spec[key](value);
    if (msg) problems.push({ field, message: msg });
    else out[key] = value;
  }
  return out;
}

function callSafely(fn, ...args) {
  try {
    fn(...args);
  } catch (err) {
    // A throwing callback must not turn a settled call into a failed one; report it.
    queueMicrotask(() => { throw err; });
  }
}

// How Go's settle(id, how, value) settles a call (jsbridge/call.go).
const SETTLE_JSON = 1; // 0: resolve with value as it is
const SETTLE_ERROR = 2;
const SETTLE_ANSWER = 3; // resolve with JSON.parse of the answer the exchange port is delivering

/**
 * The ChatApi a createChatApi call resolves to. See index.d.ts for the documented surface.
 */
export class ChatApi {
  #h;
  #directId; // the handle's number for the module's direct calls
  #module;
  #defaults; // onEngagement, onError and (for the page watcher) accountId, domains, storage from createChatApi, read once
  #busy; // tells a shared storage (file storage) when calls that may create a session run
  #nextId = 1;
  #closed = false;
  #watches = new Map();
  #calls = new Map(); // id -> {resolve, reject} of the calls under way, settled by Go by id
  #signals = new Map(); // AbortSignal -> {ids, onAbort}: one listener per signal
  #unsubscribe;

  /** @internal use createChatApi */
  constructor(handle, module, defaults, busy = noop, connect = noop) {
    this.#h = handle;
    this.#directId = typeof handle.directId === 'number' ? handle.directId : 0;
    this.#module = module;
    this.#defaults = defaults;
    this.#busy = busy;
    // The Go program must never stop quietly: if it exits (a fatal runtime error), every
    // call under way rejects instead of hanging, and later calls reject at once.
    this.#unsubscribe = module.onExit((code) => {
      const err = appEngageError('internal', `the appengage module stopped (exit code ${code}); create a new ChatApi`);
      for (const id of [...this.#calls.keys()]) this.#settle(id, SETTLE_ERROR, err);
    });
    // Go settles every asynchronous call by id through this one function (given to newClient
    // by createWith), so a call hands no resolve/reject functions over (each would be a JS
    // value Go holds and finalizes).
    connect((id, how, value) => this.#settle(id, how, value));
  }

  // Settles call id once (a second settle, e.g. after the module stopped, is ignored) and
  // releases what the call held. how: 0 (resolve with value), SETTLE_JSON (value is JSON
  // text) or SETTLE_ERROR.
  #settle(id, how, value) {
    const call = this.#calls.get(id);
    if (call === undefined) return;
    this.#calls.delete(id);
    this.#module.release();
    this.#busy(-1);
    if (how === SETTLE_ERROR) {
      call.reject(value);
      return;
    }
    if (how === SETTLE_JSON) {
      try {
        value = JSON.parse(value);
      } catch (err) {
        call.reject(err);
        return;
      }
    }
    call.resolve(value);
  }

  // Starts call id into Go (go(id) makes the handle call), which Go settles through
  // #settle; the call holds the module alive and the storage busy until then.
  #start(go, id = this.#nextId++) {
    this.#module.hold();
    this.#busy(1);
    let call;
    const p = new Promise((resolve, reject) => { call = { resolve, reject }; });
    this.#calls.set(id, call);
    let r;
    try {
      r = go(id); // an Error only if Go failed at once
    } catch (err) {
      r = err;
    }
    if (r !== undefined && r !== null) this.#settle(id, SETTLE_ERROR, r);
    return p;
  }

  /**
   * Resolves with the stored session {vid, sid, pageId}, or null when there is none yet
   * (read from the storage, so it is exact even after a restart or a 401 recovery).
   */
  session() {
    try {
      this.#checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#start((id) => this.#h.session(id));
  }

  /**
   * Asks whether an engagement is available. onEngagement (else the one given to
   * createChatApi) receives the response; the promise resolves with it too. Forms:
   * (request), (request, onEngagement), (request, onEngagement, options), (request, options).
   */
  getEngagement(request, onEngagement, options) {
    const problems = [];
    let callback = onEngagement;
    let raw = options;
    if (typeof onEngagement === 'object' && onEngagement !== null) {
      if (options === undefined) {
        raw = onEngagement; // getEngagement(request, options)
        callback = undefined;
      } else {
        problems.push({ field: 'onEngagement', message: 'must be a function when options come third, not an object' });
      }
    } else if (onEngagement !== undefined && onEngagement !== null && typeof onEngagement !== 'function') {
      problems.push({ field: 'onEngagement', message: `must be a function or an options object, not ${describe(onEngagement)}` });
    }
    const opts = readOptions(raw, CALL_OPTIONS, problems);
    const onSuccess = callback ?? this.#defaults.onEngagement;
    let p = this.#call('getEngagement', request, opts, problems);
    // Without a callback the call's own promise is returned: no extra promise and turn.
    if (typeof onSuccess === 'function') {
      p = p.then((response) => {
        callSafely(onSuccess, response);
        return response;
      });
    }
    return this.#reportErrors(p, opts);
  }

  /** Adds SDEs and impression events to the stored session, on its last pageId. */
  updateSession(update, options) {
    const problems = [];
    const opts = readOptions(options, CALL_OPTIONS, problems);
    const p = this.#call('updateSession', update, opts, problems).then(() => undefined);
    return this.#reportErrors(p, opts);
  }

  /**
   * Builds the impression event kind ('impDisplay', 'impAccept', 'impExpanded', 'impTimeout'
   * or 'impClose') for engagementDetails (or a whole getEngagement response).
   */
  impression(kind, engagementDetails) {
    this.#checkOpen();
    const r = this.#h.impression(kind, engagementDetails);
    if (r instanceof Error) throw r;
    return r;
  }

  /** Forgets the stored visitor and session; the next getEngagement starts a new visitor. */
  async resetSession() {
    this.#checkOpen();
    await this.#start((id) => this.#h.resetSession(id));
  }

  /**
   * Keeps asking with request and calls onChange(response, null) or onChange(null, error)
   * with the first result, then on every change. Returns stop(). It returns no promise, so
   * bad arguments throw at once (an AppEngageError with code and field); later failures
   * reach onChange.
   */
  watchEngagement(request, onChange, options) {
    this.#checkOpen();
    if (typeof options === 'function' && typeof onChange !== 'function') {
      [onChange, options] = [options, onChange]; // watchEngagement(request, options, onChange)
    }
    const problems = [];
    if (typeof onChange !== 'function') problems.push({ field: 'onChange', message: `must be a function, not ${describe(onChange)}` });
    const opts = readOptions(options, WATCH_OPTIONS, problems);
    if (problems.length > 0) throw validationError(problems);
    // In a page the watcher has manners (hidden, offline, one per origin across tabs, backoff).
    if (inPage()) {
      const stopPage = watchInPage(this, this.#defaults, request, onChange, opts);
      this.#watches.set(stopPage, stopPage); // close() stops it too
      return () => { this.#watches.delete(stopPage); stopPage(); };
    }
    const payload = requestPayload(request);
    let first = true;
    this.#busy(1); // until the first result: it may create the session
    const settledFirst = () => {
      if (first) {
        first = false;
        this.#busy(-1);
      }
    };
    const wrapped = (response, error) => {
      settledFirst();
      callSafely(onChange, response ?? null, error ?? null);
    };
    const id = this.#h.watch(payload, opts.intervalMs, wrapped);
    if (id instanceof Error) {
      settledFirst();
      throw id;
    }
    let stopped = false;
    this.#module.hold(); // a running watch keeps a Node process alive, like setInterval
    const stop = () => {
      if (stopped) return;
      stopped = true;
      settledFirst();
      this.#watches.delete(id);
      this.#module.release();
      if (!this.#closed) this.#h.unwatch(id);
    };
    this.#watches.set(id, stop);
    return stop;
  }

  /** Stops every watch, cancels calls under way and releases the module's resources. */
  close() {
    if (this.#closed) return;
    for (const stop of [...this.#watches.values()]) stop();
    this.#closed = true;
    this.#unsubscribe?.();
    this.#h.close();
  }

  #checkOpen() {
    if (this.#closed) throw appEngageError('aborted', 'the ChatApi is closed');
    if (!this.#module.alive()) throw appEngageError('internal', 'the appengage module stopped; create a new ChatApi');
  }

  // Cancels the call id when signal aborts, through one listener per signal however many
  // calls share it (so no MaxListenersExceededWarning); returns the function that ends it.
  #watchSignal(signal, id) {
    let entry = this.#signals.get(signal);
    if (!entry) {
      const ids = new Set();
      const onAbort = () => {
        this.#signals.delete(signal);
        for (const callId of ids) this.#h.cancel(callId);
      };
      entry = { ids, onAbort };
      this.#signals.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.ids.add(id);
    return () => {
      entry.ids.delete(id);
      if (entry.ids.size === 0 && this.#signals.get(signal) === entry) {
        this.#signals.delete(signal);
        signal.removeEventListener('abort', entry.onAbort);
      }
    };
  }

  #call(method, payload, opts, problems) {
    let request;
    try {
      this.#checkOpen();
      if (problems.length > 0) throw validationError(problems);
      request = requestPayload(payload); // now: the caller may change its object afterwards
    } catch (err) {
      return Promise.reject(err);
    }
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(appEngageError('aborted', 'the call was cancelled'));
    const id = this.#nextId++;
    const unwatch = signal ? this.#watchSignal(signal, id) : noop;
    const direct = method === 'getEngagement' && typeof request === 'string' ? this.#module.direct : null;
    const start = (callId) => {
      // The direct call when Go can take it (directCalls in exchange.js), else the handle's js.Func.
      if (direct && direct.getEngagement(this.#directId, callId, request, opts.timeoutMs)) return undefined;
      return this.#h[method](callId, request, opts.timeoutMs);
    };
    const p = this.#start((callId) => {
      if (!this.#module.inDirect?.()) return start(callId);
      // Called from a fetch function that a call on the JS thread is calling: start once that
      // call has returned, or a fetch function that calls the ChatApi each time would recurse
      // until the stack overflows under Go's frames, which ends the Go program.
      queueMicrotask(() => {
        let r;
        try {
          if (this.#closed) r = appEngageError('aborted', 'the ChatApi is closed');
          else if (signal?.aborted) r = appEngageError('aborted', 'the call was cancelled');
          else r = start(callId);
        } catch (err) {
          r = err;
        }
        if (r !== undefined && r !== null) this.#settle(callId, SETTLE_ERROR, r);
      });
      return undefined;
    }, id);
    if (!signal) return p;
    return p.finally(unwatch);
  }

  // Delivers failures to onError (the call's, else createChatApi's). When there is one, the
  // returned promise is marked handled, so fire-and-forget callers (LivePerson's example)
  // do not get an unhandled rejection; awaiting it still throws.
  #reportErrors(p, opts) {
    const onError = opts.onError ?? this.#defaults.onError;
    if (typeof onError !== 'function') return p;
    const q = p.catch((err) => {
      callSafely(onError, err);
      throw err;
    });
    q.catch(noop);
    return q;
  }
}

// ---- createChatApi's options ---------------------------------------------------------------

// Options createChatApi handles in JS, with their checks; the rest are copied (own data
// only) for the Go module, which checks them and refuses unknown keys. wasmURL and
// wasmModule are the loader's; storage is mapped by the entry.
const JS_OPTIONS = {
  onEngagement: checkFunction,
  onError: checkFunction,
  fetch: checkFunction,
  storage: () => '',
  wasmURL: () => '',
  wasmModule: () => '',
};

/** The storage option as the entry sees it: a {file} object is copied (own data only). */
function storageOption(v, problems) {
  if (v === null || typeof v !== 'object') return v;
  let plain;
  try {
    plain = !Array.isArray(v) && plainPrototype(v);
  } catch (err) {
    problems.push({ field: 'storage', message: `could not be read: ${thrownText(err)}` });
    return undefined;
  }
  if (!plain) return v;
  let d;
  try {
    d = Reflect.getOwnPropertyDescriptor(v, 'file');
  } catch (err) {
    problems.push({ field: 'storage', message: `could not be read: ${thrownText(err)}` });
    return undefined;
  }
  if (d === undefined) return v; // a {get, set, remove} object: the module reads its methods
  const entries = ownEntries(v, 'storage', problems) ?? [];
  const extra = entries.map(([k]) => k).filter((k) => k !== 'file');
  if (extra.length > 0) problems.push({ field: `storage.${extra[0]}`, message: 'is not a known option of {file}' });
  const file = entries.find(([k]) => k === 'file')?.[1];
  return { file };
}

/**
 * Reads createChatApi's options: the JS ones checked, the module's copied into a
 * null-prototype config. Throws a validation error naming every bad field.
 */
export function readCreateOptions(options) {
  const problems = [];
  let plain = false;
  try {
    plain = options !== null && typeof options === 'object' && !Array.isArray(options) && plainPrototype(options);
  } catch (err) {
    throw validationError([{ field: 'options', message: `could not be read: ${thrownText(err)}` }], 'invalid options');
  }
  if (!plain) {
    throw appEngageError('validation', 'createChatApi needs an options object with accountId', { field: 'options', problems: [{ field: 'options', message: 'must be an object' }] });
  }
  const js = Object.create(null);
  const config = Object.create(null);
  for (const [key, value] of ownEntries(options, '', problems, 'options') ?? []) {
    if (Object.hasOwn(JS_OPTIONS, key)) {
      if (value === undefined) continue;
      const msg = JS_OPTIONS[key](value);
      if (msg) problems.push({ field: key, message: msg });
      else js[key] = key === 'storage' ? storageOption(value, problems) : value;
      continue;
    }
    const copy = copyTree(value, key, [options]);
    problems.push(...copy.problems);
    config[key] = copy.value;
  }
  if (problems.length > 0) throw validationError(problems, 'invalid options');
  return { js, config };
}

/**
 * The body of createChatApi, shared by the entries: load (memoised by the caller) the module,
 * then create a client in it.
 * @param {object} options createChatApi's options
 * @param {(jsOptions: {wasmURL?: unknown, wasmModule?: unknown}) => Promise<Awaited<ReturnType<typeof import('./loader.js').instantiate>>>} load
 *   gets the options as read here (own data properties only, never the caller's object), so
 *   an inherited wasmURL (a polluted Object.prototype) cannot choose the module
 * @param {(storage: unknown) => unknown} resolveStorage maps the storage option for Go
 * @param {typeof fetch | null} [defaultFetch] the round trips' fetch when options.fetch is
 *   absent (Node's entry: exchange.js's httpFetch), else globalThis.fetch
 */
export async function createWith(options, load, resolveStorage, defaultFetch = null) {
  const { js, config } = readCreateOptions(options);
  const fetchFn = js.fetch ?? defaultFetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') {
    throw appEngageError('validation', 'fetch: this host has no fetch; pass options.fetch', { field: 'fetch', problems: [{ field: 'fetch', message: 'must be a function' }] });
  }
  const module = await load(js);
  const exchange = exchangeOver(fetchFn, module.direct ?? null);
  let storage = await resolveStorage(js.storage);
  let busy = noop;
  const makeView = ownMethod(storage, STORAGE_VIEW);
  if (makeView) {
    // A storage shared by ChatApis (file storage): this ChatApi's own view of it.
    storage = makeView.call(storage);
    busy = (delta) => storage.busy(delta);
  }
  let settle = noop; // the ChatApi's, once it exists; Go settles no call before
  const handle = module.exports.newClient(config, exchange, storage, (id, how, value) => {
    if (how !== SETTLE_ANSWER) settle(id, how, value);
    else {
      const text = exchange.delivering();
      if (text === null) settle(id, SETTLE_ERROR, appEngageError('internal', 'the module settled a call with an answer it was not given'));
      else settle(id, SETTLE_JSON, text);
    }
  });
  if (handle instanceof Error) throw handle;
  // The page watcher keys its cross-tab sharing by account, domains and storage kind.
  const defaults = {
    onEngagement: js.onEngagement, onError: js.onError,
    accountId: config.accountId, domain: config.domain, csdsDomain: config.csdsDomain, storage: js.storage,
  };
  return new ChatApi(handle, module, defaults, busy, (fn) => { settle = fn; });
}

/** The registered symbol of a storage's per-ChatApi views (see src/file-storage.js). */
const STORAGE_VIEW = Symbol.for('appengage.storage.view');

// obj's own data property key when it is a function (never a getter), else null.
function ownMethod(obj, key) {
  if (obj === null || typeof obj !== 'object') return null;
  try {
    const d = Reflect.getOwnPropertyDescriptor(obj, key);
    return d && typeof d.value === 'function' ? d.value : null;
  } catch {
    return null;
  }
}
