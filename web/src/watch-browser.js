// The watcher with manners, for pages (browsers, Electron renderers, web views):
// ChatApi.watchEngagement uses it wherever there is a document, and <appengage-chat-button>
// goes through watchEngagement. In Node and Electron main (no document) the Go watcher runs
// as before.
//
// Its manners towards LivePerson, which asks callers to use Create Session sparingly:
//  - no question while the page is hidden or the browser is offline; on becoming visible or
//    online it asks at once if the last answer is older than the pause, else when it is due;
//  - one watcher per origin, account, service and request across the tabs and windows of
//    a browser profile: the tabs that want an answer queue for a Web Lock, the holder asks
//    and shares each answer on a BroadcastChannel, the others listen. A hidden or offline
//    tab leaves the queue; a closed one drops its lock, and the next tab in the queue takes
//    over, asking once the shared last answer is due (so within one pause);
//  - after a call whose retries are exhausted, the next question waits longer each time
//    (the pause doubled per failure in a row, capped at five minutes); any answer resets it.
// Answers are shared only when the tabs share the session too (the default localStorage
// storage), since another storage means another visitor per tab.

import { fieldError } from './errors.js';

/** The pause between questions when the caller gives none (the Go watcher's default). */
export const DEFAULT_INTERVAL_MS = 60_000;
/** The longest pause after failures in a row. */
export const MAX_BACKOFF_MS = 5 * 60_000;
// A short validForSeconds must not make the watcher ask more than once a second.
const MIN_PAUSE_MS = 1000;
const MAX_INTERVAL_MS = 24 * 60 * 60_000;

const noop = () => {};

/** Whether this host is a page, with a document whose visibility the watcher can follow. */
export function inPage() {
  return typeof document !== 'undefined' && typeof document.addEventListener === 'function'
    && typeof window !== 'undefined' && typeof document.visibilityState === 'string';
}

/**
 * What the watcher compares to decide whether a result is a change: availability, the
 * engagement (campaign, engagement, revision), or the error code (as core/watch.go does).
 */
export function changeKey(response, error) {
  if (error) return `error:${error.code ?? 'unknown'}`;
  const d = response?.engagementDetails;
  return d && typeof d === 'object'
    ? `${response.status}|${String(d.campaignId)}|${String(d.engagementId)}|${String(d.engagementRevision)}`
    : `${response?.status}`;
}

/**
 * The pause after a result: the interval; while Available at most 80 % of validForSeconds
 * (never under a second); after `failures` failed calls in a row, the interval doubled
 * per failure, capped at MAX_BACKOFF_MS (and never shorter than the interval).
 */
export function pauseAfter(intervalMs, response, error, failures) {
  const interval = intervalMs > 0 ? intervalMs : DEFAULT_INTERVAL_MS;
  if (error) {
    if (failures <= 0) return interval;
    const backoff = Math.min(interval * 2 ** Math.min(failures, 30), MAX_BACKOFF_MS);
    return Math.max(interval, backoff);
  }
  const vfs = Number(response?.engagementDetails?.validForSeconds);
  if (response?.status !== 'Available' || !(vfs > 0)) return interval;
  return Math.min(interval, Math.max(MIN_PAUSE_MS, vfs * 800));
}

// JSON with sorted keys, so that the same request written in another key order is the
// same watcher.
function canonical(v, depth = 0) {
  if (v === null || typeof v !== 'object' || depth > 64) return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x, depth + 1)).join(',')}]`;
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k], depth + 1)}`).join(',')}}`;
}

// Two 32-bit FNV-1a hashes (different offsets) as 16 hex digits: the lock and channel names
// carry this instead of the request, whose SDEs may hold personal data.
function hash(text) {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193) >>> 0;
    b = (b ^ (b >>> 13)) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** The name one watcher goes by across tabs: account, service hosts and request. */
export function watcherKey(apiOptions, request) {
  let body;
  try {
    body = canonical(request);
  } catch {
    return null; // a request JSON cannot hold (a cycle, a BigInt): not shared, the client reports it
  }
  const who = canonical([apiOptions?.accountId ?? null, apiOptions?.domain ?? null, apiOptions?.csdsDomain ?? null]);
  return `appengage.watch.${hash(who + body)}`;
}

// Errors cross the channel as plain fields (structured clone keeps only name and message).
const ERROR_FIELDS = ['code', 'status', 'internalCode', 'field', 'problems', 'retryAfterMs'];
function errorToWire(err) {
  const out = { name: err?.name ?? 'Error', message: String(err?.message ?? err) };
  for (const f of ERROR_FIELDS) if (err && err[f] !== undefined) out[f] = err[f];
  return out;
}
function errorFromWire(w) {
  const err = new Error(w.message);
  err.name = w.name;
  for (const f of ERROR_FIELDS) if (w[f] !== undefined) err[f] = w[f];
  return err;
}

/**
 * Whether the tabs of this origin share answers for these ChatApi options: only when they
 * share the session (the default storage, localStorage) and the page has Web Locks and
 * BroadcastChannel.
 */
function canShare(apiOptions) {
  const storage = apiOptions?.storage;
  if (storage !== undefined && storage !== 'localStorage') return false;
  try {
    if (!globalThis.localStorage) return false;
  } catch {
    return false; // localStorage refused (sandboxed frame, blocked cookies)
  }
  return typeof globalThis.navigator?.locks?.request === 'function' && typeof globalThis.BroadcastChannel === 'function';
}

/**
 * ChatApi.watchEngagement in a page (see the top of this file). api is the ChatApi,
 * apiOptions the options it was created with. Returns stop().
 */
export function watchInPage(api, apiOptions, request, onChange, options) {
  // onChange and the kind of options.intervalMs are checked by ChatApi.watchEngagement;
  // the range here is the Go watcher's (whole milliseconds up to a day).
  const given = options?.intervalMs;
  if (given !== undefined && given !== null
    && (!Number.isInteger(given) || given < 0 || given > MAX_INTERVAL_MS)) {
    throw fieldError('options.intervalMs', `must be a whole number of milliseconds from 0 to ${MAX_INTERVAL_MS}`);
  }
  const name = watcherKey(apiOptions, request);
  let memory = recent.get(api);
  if (!memory) recent.set(api, memory = new Map());
  return startWatcher({
    key: name && canShare(apiOptions) ? name : null,
    intervalMs: given || DEFAULT_INTERVAL_MS,
    ask: (signal) => api.getEngagement(request, noop, { signal, onError: noop }),
    onChange,
    // A watcher started again in this page (an element moved or re-rendered, React's
    // StrictMode mounting twice) goes on from the last result instead of asking at once.
    memory: name ? { get: () => stillCurrent(api, memory.get(name)), set: (r) => memory.set(name, r) } : null,
  });
}

// A remembered answer is used only while its visitor and session are still the stored ones
// (resetSession, or a session replaced meanwhile, makes it stale).
async function stillCurrent(api, entry) {
  if (!entry || entry.error) return entry ?? null;
  try {
    const s = await api.session();
    return s && s.vid === entry.response?.visitorId && s.sid === entry.response?.sessionId ? entry : null;
  } catch {
    return null;
  }
}

// The last result per ChatApi and watcher name, for watchers started again in this page.
const recent = new WeakMap();

/**
 * The watcher itself. ask(signal) is one getEngagement (with its retries); key names the
 * watcher across tabs (null: this tab asks alone). onChange(response, error) receives the
 * first result and then every change. Returns stop().
 */
export function startWatcher({ key, intervalMs, ask, onChange, memory = null }) {
  let stopped = false;
  let lastAt = null; // when the last result (own or shared) arrived, Date.now()
  let last = null; // { response, error } of that result
  let lastKey = null;
  let failures = 0; // failed calls in a row
  let leader = false;
  let release = null; // resolves the lock's promise
  let lockAbort = null; // cancels the queueing for the lock
  let timer = null;
  let inflight = null; // AbortController of the question under way
  const channel = key ? new BroadcastChannel(key) : null;

  const deliver = (response, error) => {
    const k = changeKey(response, error);
    if (k === lastKey) return;
    lastKey = k;
    try {
      onChange(response ?? null, error ?? null);
    } catch (err) {
      queueMicrotask(() => { throw err; }); // a throwing listener must not end the watch
    }
  };

  const record = (response, error, at, failed) => {
    lastAt = at;
    last = { response, error };
    failures = failed;
    memory?.set({ at, response, error, failures });
    deliver(response, error);
  };

  // A validation error cannot change by asking again: it is reported once and ends the watch.
  const endsWatch = (error) => error?.code === 'validation';

  const share = () => {
    if (!channel || !last) return;
    try {
      channel.postMessage({
        t: 'answer', at: lastAt, failures,
        response: last.response ?? null,
        error: last.error ? errorToWire(last.error) : null,
      });
    } catch {
      // an answer the channel cannot clone stays in this tab
    }
  };

  const active = () => !stopped && document.visibilityState === 'visible' && navigator.onLine !== false;

  const schedule = () => {
    clearTimeout(timer);
    timer = null;
    if (!leader || stopped || inflight) return;
    const due = lastAt === null ? 0 : lastAt + pauseAfter(intervalMs, last?.response, last?.error, failures) - Date.now();
    timer = setTimeout(askNow, Math.max(0, due));
  };

  const askNow = () => {
    timer = null;
    if (!leader || !active()) return;
    const controller = new AbortController();
    inflight = controller;
    const settle = (response, error) => {
      if (inflight !== controller) return; // abandoned: hidden, offline or stopped meanwhile
      inflight = null;
      if (stopped) return;
      if (error?.code === 'aborted') { stop(); return; } // the ChatApi was closed
      record(response, error, Date.now(), error ? failures + 1 : 0);
      share();
      if (endsWatch(error)) stop(); else schedule();
    };
    let p;
    try {
      p = Promise.resolve(ask(controller.signal));
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then((r) => settle(r, null), (e) => settle(null, e ?? new Error('unknown error')));
  };

  const lead = () => {
    leader = true;
    schedule();
  };

  const resign = () => {
    leader = false;
    clearTimeout(timer);
    timer = null;
    if (inflight) {
      inflight.abort();
      inflight = null;
    }
    if (lockAbort) {
      lockAbort.abort();
      lockAbort = null;
    }
    if (release) {
      release();
      release = null;
    }
  };

  // Joins (or leaves) the tabs that want answers, as the page's state says.
  const update = () => {
    if (!active()) {
      resign();
      return;
    }
    if (leader || lockAbort) return;
    if (!key) {
      lead();
      return;
    }
    const abort = new AbortController();
    lockAbort = abort;
    navigator.locks.request(key, { signal: abort.signal }, () => {
      if (lockAbort !== abort) return undefined; // left the queue meanwhile
      lockAbort = null;
      return new Promise((resolve) => {
        release = resolve;
        lead();
      });
    }).catch(noop); // AbortError when leaving the queue
  };

  const onMessage = (ev) => {
    const m = ev.data;
    if (!m || stopped) return;
    if (m.t === 'hello') {
      if (leader) share();
      return;
    }
    if (m.t !== 'answer' || typeof m.at !== 'number' || (lastAt !== null && m.at <= lastAt)) return;
    const error = m.error ? errorFromWire(m.error) : null;
    record(m.response, error, m.at, Number(m.failures) || 0);
    if (endsWatch(error)) stop();
    else if (leader && !inflight) schedule(); // two leaders only without locks; keep in step
  };

  const onPageEvent = (ev) => (ev.type === 'pagehide' ? resign() : update());

  function stop() {
    if (stopped) return;
    stopped = true;
    resign();
    document.removeEventListener('visibilitychange', onPageEvent);
    window.removeEventListener('pagehide', onPageEvent);
    window.removeEventListener('pageshow', onPageEvent);
    window.removeEventListener('online', update);
    window.removeEventListener('offline', update);
    channel?.close();
  }

  document.addEventListener('visibilitychange', onPageEvent);
  window.addEventListener('pagehide', onPageEvent);
  window.addEventListener('pageshow', onPageEvent);
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  if (channel) {
    channel.onmessage = onMessage;
    channel.postMessage({ t: 'hello' }); // the leader answers with its last result
  }
  if (!memory) {
    update();
    return stop;
  }
  // Start from the remembered result, if it is still current and nothing newer came first.
  Promise.resolve(memory.get()).catch(() => null).then((seed) => {
    if (stopped) return;
    if (seed && lastAt === null && !endsWatch(seed.error)) {
      lastAt = seed.at;
      last = { response: seed.response, error: seed.error };
      failures = seed.failures;
      deliver(seed.response, seed.error);
    }
    update();
  });
  return stop;
}
