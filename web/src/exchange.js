// The JS half of the Go fetch transport (jsbridge/internal/fetch): a long-lived port that
// makes HTTP round trips over the host's fetch and settles each by id through the one Go
// callback given to connect. Go decides everything (URL, method and override header, body,
// body cap, when to abort); this file only converts and forwards.

const ACCEPT = { Accept: 'application/json' };
const SEND_JSON = { Accept: 'application/json', 'Content-Type': 'application/json' };
const TOO_LARGE = -1;
const FAILED = -2;

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
 * send(id, method, url, override, body, maxBytes) per round trip and abort(id, timedOut)
 * when a round trip's context ends. The callback receives one of
 *   (id, status, retryAfter | null, text)   an answer; status 0 is a browser's opaqueredirect
 *   (id, -1, status)                        an answer whose body passed maxBytes
 *   (id, -2, error)                         no answer (network failure, abort)
 * Redirects are never followed (redirect: 'manual'): a 3xx would carry the caller's data to
 * a host nobody configured. An answer goes to Go by direct.answer (the module's direct call,
 * see loader.js) when it can, else through the callback.
 * @param {typeof fetch} fetchFn
 * @param {{answer: (port: number, id: number, status: number, retryAfter: string | null, text: string) => boolean} | null} [direct]
 */
export function exchangeOver(fetchFn, direct = null) {
  let done = null;
  let directId = 0;
  const controllers = new Map();
  const settle = (...args) => { if (done) done(...args); };
  const answer = (id, status, retryAfter, text) => {
    if (done && !(direct !== null && directId !== 0 && direct.answer(directId, id, status, retryAfter, text))) {
      done(id, status, retryAfter, text);
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
      if (text === null) settle(id, TOO_LARGE, status);
      else answer(id, status, res.headers.get('Retry-After'), text);
    } catch (err) {
      controllers.delete(id);
      settle(id, FAILED, err);
    }
  };
  return {
    connect(onDone, id) {
      done = onDone;
      directId = typeof id === 'number' && onDone ? id : 0;
    },
    send(id, method, url, override, body, maxBytes) {
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
    abort(id, timedOut) {
      const controller = controllers.get(id);
      if (!controller) return;
      controllers.delete(id);
      controller.abort(abortReason(timedOut));
    },
  };
}
