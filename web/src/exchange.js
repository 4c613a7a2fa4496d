// The JS half of the Go fetch transport (jsbridge/internal/fetch): a long-lived port that
// makes HTTP round trips over the host's fetch and settles each by id through the one Go
// callback given to connect, or by the module's direct call (directCalls, below, which also
// starts each getEngagement). Go decides everything (URL, method and override header, body,
// body cap, when to abort); this file only converts and forwards.

const ACCEPT = { Accept: 'application/json' };
const SEND_JSON = { Accept: 'application/json', 'Content-Type': 'application/json' };
const TOO_LARGE = -1;
const FAILED = -2;
const TIMED_OUT = -3;

/** Why an abort happened: the attempt's deadline (TimeoutError) or the caller (AbortError). */
function abortReason(timedOut) {
  return timedOut
    ? new DOMException('appengage: the attempt timed out', 'TimeoutError')
    : new DOMException('appengage: the call was cancelled', 'AbortError');
}

/**
 * Reads a response body as text, stopping as soon as it passes maxBytes (returns null then).
 * When the server declared a plain Content-Length within the cap, fetch cannot deliver more
 * than that, so res.text() is used (the fast path); a plain one over the cap is refused
 * unread. Otherwise (chunked or compressed) the body is streamed and the download cancelled
 * once the decoded bytes pass the cap.
 * Returns res.text()'s promise itself on the fast path (no async frame of its own).
 */
function cappedText(res, maxBytes) {
  const headers = res.headers;
  const declared = headers.get('Content-Length');
  if (declared !== null && DIGITS.test(declared)) {
    const encoding = headers.get('Content-Encoding');
    // Only an identity body's declared length is its decoded length: the cap counts decoded
    // bytes (as the streaming read below and the native transport do), so an encoded body
    // is always streamed (testdata/faults.json, gzip_padded).
    if (encoding === null || encoding === 'identity') {
      if (Number(declared) <= maxBytes) return res.text();
      res.body?.cancel().catch(() => {});
      return null;
    }
  }
  if (!res.body) return res.text();
  return streamedText(res.body, maxBytes);
}

const DIGITS = /^\d+$/;

async function streamedText(body, maxBytes) {
  const reader = body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.byteLength; }
  return new TextDecoder().decode(all);
}

// Where the platform has setImmediate (Node), the AbortController of the next attempt is
// made while this one's request is in flight: Node's AbortController and its signal cost
// several µs (makeTransferable, EventTarget set-up), which then stay off the path between
// a call and its fetch. Each attempt still gets its own controller, never used before.
const spareLater = typeof setImmediate === 'function' ? setImmediate : null;

/**
 * Makes the exchange port over fetchFn. Go calls connect once with its callback (and its
 * number for direct calls), then
 * send(id, method, url, override, body, maxBytes, timeoutMs) per round trip and
 * abort(id, timedOut) when a round trip's context ends. timeoutMs above 0 is the round
 * trip's deadline, kept here (a round trip Go makes on the JS thread has no Go timer). The
 * callback receives one of
 *   (id, status, retryAfter | null, text)   an answer; status 0 is a browser's opaqueredirect
 *   (id, -1, status)                        an answer whose body passed maxBytes
 *   (id, -2, error)                         no answer (network failure, abort)
 *   (id, -3)                                timeoutMs passed first; the fetch is aborted
 * Redirects are never followed (redirect: 'manual'): a 3xx would carry the caller's data to
 * a host nobody configured. An answer goes to Go by direct.answer (the module's direct call,
 * see directCalls) when it can, else through the callback.
 * @param {typeof fetch} fetchFn
 * @param {{answer: (port: number, id: number, status: number, retryAfter: string | null, text: string) => boolean} | null} [direct]
 */
export function exchangeOver(fetchFn, direct = null) {
  let done = null;
  let directId = 0;
  const controllers = new Map();
  const timers = new Map(); // the deadlines of round trips sent with a timeoutMs
  const disarm = (id) => {
    if (timers.size === 0) return;
    const t = timers.get(id);
    if (t !== undefined) { clearTimeout(t); timers.delete(id); }
  };
  // Aborts round trip id's fetch; false when it is no longer under way.
  const stop = (id, timedOut) => {
    const controller = controllers.get(id);
    if (!controller) return false;
    controllers.delete(id);
    disarm(id);
    controller.abort(abortReason(timedOut));
    return true;
  };
  const expire = (id) => {
    timers.delete(id);
    if (stop(id, true)) settle(id, TIMED_OUT);
  };
  const settle = (...args) => { if (done) done(...args); };
  let delivering = null; // the text of the answer being handed to Go, while it is
  const answer = (id, status, retryAfter, text) => {
    if (!done) return;
    delivering = text;
    try {
      if (!(direct !== null && directId !== 0 && direct.answer(directId, id, status, retryAfter, text))) {
        done(id, status, retryAfter, text);
      }
    } finally {
      delivering = null;
    }
  };
  // A fresh controller whose signal is already made, for the next attempt (see spareLater).
  let spare = null;
  let spareSignal = null;
  let refilling = false;
  const refill = () => {
    refilling = false;
    if (spare !== null) return;
    spare = new AbortController();
    spareSignal = spare.signal;
  };
  // The answer of attempt id: settled on a later turn even when fetchFn threw at once.
  const finish = async (id, p, maxBytes) => {
    try {
      const res = await p;
      if (typeof res?.status !== 'number' || typeof res.headers?.get !== 'function') {
        throw new TypeError('fetch did not return a usable Response');
      }
      const status = res.type === 'opaqueredirect' ? 0 : res.status;
      const text = await cappedText(res, maxBytes);
      controllers.delete(id);
      disarm(id);
      if (text === null) settle(id, TOO_LARGE, status);
      else answer(id, status, res.headers.get('Retry-After'), text);
    } catch (err) {
      controllers.delete(id);
      disarm(id);
      settle(id, FAILED, err); // after an abort too: Go has forgotten the id and drops it
    }
  };
  return {
    connect(onDone, id) {
      done = onDone;
      directId = typeof id === 'number' && onDone ? id : 0;
    },
    send(id, method, url, override, body, maxBytes, timeoutMs) {
      let controller = spare;
      let signal = spareSignal;
      if (controller === null) {
        controller = new AbortController();
        signal = controller.signal;
      } else {
        spare = null;
        spareSignal = null;
      }
      controllers.set(id, controller);
      if (timeoutMs > 0) timers.set(id, setTimeout(expire, timeoutMs, id));
      let headers = body === undefined ? ACCEPT : SEND_JSON;
      if (override !== null) headers = { ...headers, 'X-HTTP-Method-Override': override };
      let p;
      try {
        p = fetchFn(url, { method, headers, body, signal, redirect: 'manual' });
      } catch (err) {
        p = Promise.reject(err);
      }
      finish(id, p, maxBytes);
      if (spareLater !== null && !refilling) {
        refilling = true;
        spareLater(refill);
      }
    },
    // The text of the answer being handed to Go, while Go takes it (null otherwise): Go
    // settles a call with it instead of sending a copy back (SETTLE_ANSWER in chatapi.js).
    delivering() {
      return delivering;
    },
    abort(id, timedOut) {
      stop(id, timedOut);
    },
  };
}

// The most UTF-8 bytes a direct call carries; longer texts take the js.Func path.
const DIRECT_MAX = 64 << 20;
const utf8 = new TextEncoder();

/**
 * The module's direct calls (jsbridge/api.go, jsbridge/internal/fetch/transport.go): the two calls on
 * the path of every getEngagement, made through wasmexport functions instead of js.Funcs.
 * Each returns false when it could not be made (Go is running, the module is not this
 * loader's, the text is too long), and the caller then uses the js.Func. The functions
 * answer 0 (not taken), 1 (taken, and done: nothing waits to run in Go) or 2 (taken, and a
 * goroutine was woken), and go.enter resumes Go's scheduler only for 2.
 */
export function directCalls(go, instance) {
  const ex = instance.exports;
  if (typeof ex.appengage_buffer !== 'function' || typeof ex.appengage_get_engagement !== 'function' ||
      typeof ex.appengage_answer !== 'function') return null;
  // Writes a then b into the module's buffer; returns their lengths in bytes.
  const write = (a, b) => {
    const roomA = a.length * 3; // UTF-16 units to UTF-8 bytes: at most 3 each
    const room = roomA + b.length * 3;
    const at = ex.appengage_buffer(room); // may grow the memory: view it afterwards
    const n = utf8.encodeInto(a, new Uint8Array(ex.mem.buffer, at, roomA)).written;
    const m = b === '' ? 0 : utf8.encodeInto(b, new Uint8Array(ex.mem.buffer, at + n, room - n)).written;
    return [n, m];
  };
  return {
    getEngagement(client, id, text, timeoutMs) {
      if (text.length * 3 > DIRECT_MAX || !(timeoutMs === undefined || timeoutMs === null || typeof timeoutMs === 'number')) return false;
      return go.enter(() => {
        const [n] = write(text, '');
        const timed = typeof timeoutMs === 'number';
        return ex.appengage_get_engagement(client, id, n, timed ? 1 : 0, timed ? timeoutMs : 0);
      });
    },
    answer(transport, id, status, retryAfter, text) {
      // What a fetch function handed over that is not a status and text (a made-up
      // Response) goes the js.Func way, whose checks refuse it rather than convert it.
      if (!Number.isInteger(status) || status < 0 || status > 999 || typeof text !== 'string' ||
          (retryAfter !== null && typeof retryAfter !== 'string') ||
          ((retryAfter?.length ?? 0) + text.length) * 3 > DIRECT_MAX) return false;
      return go.enter(() => {
        const [n, m] = write(retryAfter ?? '', text);
        return ex.appengage_answer(transport, id, status, retryAfter === null ? -1 : n, m);
      });
    },
  };
}

// ---- Round trips over Node's own HTTP client ---------------------------------------------
//
// Node's global fetch (undici) does several times the work of node:http per request: against
// the simulator on loopback a round trip through http.request took 0.40–0.49× one through
// fetch (docs/benchmarks/wasm.md, "Node's HTTP client"). So in Node the entry (src/node.js)
// gives the port this function instead, unless options.fetch names another. It is the part
// of fetch the port uses, behaving as fetch does where the port depends on it:
//   - a redirect is never followed (http.request does not), its 3xx is the answer;
//   - the request goes through the module's globalAgent (keep-alive from Node 19; an app's
//     proxy agent installed there applies), with the body's Content-Length;
//   - the answer's body is decoded as fetch decodes it (gzip, deflate, br), so the port's cap
//     counts decoded bytes, and read as UTF-8 text with a leading BOM dropped;
//   - an abort (the signal) rejects with the signal's reason, before or during the body;
//   - a failure rejects with TypeError('fetch failed', { cause }), as undici's does.
// load() resolves with {http, https, zlib} (the entry's dynamic imports); it is called at the
// first round trip, so that creating a ChatApi does not pay for them, and again only if it
// failed.

/**
 * A fetch over node:http and node:https, for the exchange port.
 * @param {() => Promise<{http: any, https: any, zlib: any}>} load
 * @returns {(url: string, init?: {method?: string, headers?: Record<string, string>, body?: string, signal?: AbortSignal}) => Promise<object>}
 */
export function httpFetch(load) {
  let loading = null;
  let mods = null;
  return async function fetchOverHTTP(url, init = {}) {
    if (mods === null) {
      loading ??= load().catch((err) => { loading = null; throw err; });
      mods = await loading;
    }
    const { method = 'GET', headers = {}, body, signal } = init;
    if (signal?.aborted) throw signal.reason;
    const target = new URL(url);
    const client = target.protocol === 'https:' ? mods.https : target.protocol === 'http:' ? mods.http : null;
    if (client === null) throw new TypeError('fetch failed', { cause: new Error(`${target.protocol} is not http: or https:`) });
    const bytes = body === undefined || body === null ? null : utf8.encode(String(body));
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err) => {
        if (settled) return;
        settled = true;
        reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: err }));
      };
      let req;
      try {
        req = client.request(target, {
          method,
          headers: bytes === null ? headers : { ...headers, 'Content-Length': String(bytes.byteLength) },
          signal,
        });
      } catch (err) {
        fail(err);
        return;
      }
      req.on('error', fail); // fail ignores any error after the first outcome
      req.once('response', (res) => {
        settled = true;
        // Errors while the body is read reach its reader (text(), getReader()); one that
        // comes before anybody reads, or after a cancel, must not be an uncaught 'error'.
        res.on('error', noop);
        resolve(new HTTPResponse(res, mods.zlib, signal));
      });
      req.end(bytes ?? undefined);
    });
  };
}

const noop = () => {};

const DECODERS = { gzip: 'createGunzip', 'x-gzip': 'createGunzip', deflate: 'createInflate', br: 'createBrotliDecompress' };

// The answer of fetchOverHTTP: status, headers.get, text() and body.getReader(), as the port
// reads a fetch Response.
class HTTPResponse {
  #res;
  #zlib;
  #signal;
  #stream = null;
  constructor(res, zlib, signal) {
    this.#res = res;
    this.#zlib = zlib;
    this.#signal = signal;
    this.status = res.statusCode;
    this.type = 'basic';
    const h = res.headers;
    this.headers = {
      get(name) {
        const v = h[String(name).toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
      },
    };
    this.body = {
      getReader: () => {
        const it = this.#decoded()[Symbol.asyncIterator]();
        return {
          read: () => it.next().catch((err) => { throw this.#why(err); }),
          cancel: () => { this.#destroy(); return Promise.resolve(); },
        };
      },
      cancel: () => { this.#destroy(); return Promise.resolve(); },
    };
  }

  // The body as the server's content coding decodes it (each coding undone, last first).
  #decoded() {
    if (this.#stream !== null) return this.#stream;
    let stream = this.#res;
    const codings = (this.#res.headers['content-encoding'] ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
    for (const coding of codings.reverse()) {
      const make = DECODERS[coding];
      if (make === undefined) break; // a coding fetch does not know: the bytes as they came
      const from = stream;
      const to = this.#zlib[make]();
      to.on('error', noop); // its reader sees it, as for the response (fetchOverHTTP)
      from.once('error', (err) => to.destroy(err));
      from.pipe(to);
      stream = to;
    }
    this.#stream = stream;
    return stream;
  }

  #destroy() {
    this.#res.destroy();
    if (this.#stream !== null && this.#stream !== this.#res) this.#stream.destroy();
  }

  #why(err) {
    return this.#signal?.aborted ? this.#signal.reason : new TypeError('terminated', { cause: err });
  }

  // The whole body, read as the port reads a capped one (streamedText), without a cap.
  text() {
    return streamedText(this.body, Infinity);
  }
}
