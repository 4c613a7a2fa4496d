// <appengage-chat-button>: LivePerson's "Click to Chat" button, kept up to date through
// ChatApi.watchEngagement (with its manners in pages: quiet while hidden or offline, one
// watcher across the tabs of an origin, backing off after failures; see watch-browser.js).
//
//   <appengage-chat-button account-id="12345678" sections="checkout">Chat with us</appengage-chat-button>
//
// Attributes: account-id, domain, csds-domain, sections (comma-separated consumerSections),
// wasm-url, interval (seconds), when-unavailable="hide|disable", no-impressions.
// Properties: request (a full getEngagement request), api (a ChatApi to use instead of one
// made from the attributes), read-only state, response and error; requestChat() does what
// activating the button does. Without account-id (or api) it waits, asking nothing.
// Reflected: state = checking | available | notavailable | error.
// Events (bubbling, composed): engagement (detail: the response), chat (detail: the
// response, when the user activates the button while Available), error (detail: the error).
// Impressions: impDisplay when an Available button is shown, impAccept when it is used.
import { createChatApi } from '../browser.js';
import { fieldError } from './errors.js';

export const TAG = 'appengage-chat-button';

/** The states the element reflects in its `state` attribute. */
export const STATES = ['checking', 'available', 'notavailable', 'error'];

const DEFAULT_INTERVAL_S = 60;
const CONFIG_ATTRIBUTES = ['account-id', 'domain', 'csds-domain', 'sections', 'wasm-url', 'interval'];

const STATUS_TEXT = {
  checking: 'Checking whether an agent is available…',
  available: 'An agent is available.',
  notavailable: 'No agent is available right now.',
  error: 'Chat cannot be reached right now; trying again.',
};

// In the script-tag build this module runs while dist/chatapi.js is the current script, so
// chatapi.wasm is found beside the package from the script's own URL (as ChatApi.init does);
// as an ES module it is found by browser.js (import.meta.url, or the bundler's copy).
const classicScript = typeof document !== 'undefined' && document.currentScript && document.currentScript.src;
const defaultWasmURL = classicScript ? new URL('../chatapi.wasm', classicScript).href : undefined;

const CSS = `
:host {
  display: inline-block;
  font: inherit;
  --_bg: var(--appengage-chat-button-unavailable-background, #eef0f3);
  --_fg: var(--appengage-chat-button-unavailable-color, #3f4753);
  --_border: var(--appengage-chat-button-unavailable-border, #8a94a3);
}
:host([hidden]) { display: none; }
:host([when-unavailable="hide"]:not([state="available"])) { display: none; }
:host([state="available"]) {
  --_bg: var(--appengage-chat-button-background, #12805c);
  --_fg: var(--appengage-chat-button-color, #ffffff);
  --_border: var(--appengage-chat-button-border, #12805c);
}
:host([state="error"]) {
  --_bg: var(--appengage-chat-button-error-background, #fdecea);
  --_fg: var(--appengage-chat-button-error-color, #8a1c12);
  --_border: var(--appengage-chat-button-error-border, #b42318);
}
.wrap { display: inline-flex; flex-direction: column; align-items: center; gap: 6px; }
button {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  gap: 10px;
  min-height: 44px;
  min-width: var(--appengage-chat-button-min-width, 0);
  padding: var(--appengage-chat-button-padding, 10px 22px);
  font: inherit;
  font-weight: 600;
  color: var(--_fg);
  background: var(--_bg);
  border: 2px solid var(--_border);
  border-radius: var(--appengage-chat-button-radius, 999px);
  cursor: pointer;
}
button[aria-disabled="true"] { cursor: not-allowed; }
button:focus { outline: none; }
button:focus-visible {
  outline: 3px solid var(--appengage-chat-button-focus-ring, #1363df);
  outline-offset: 3px;
}
.indicator {
  flex: none;
  width: 12px;
  height: 12px;
  border-radius: 50%;
  border: 2px solid currentColor;
  box-sizing: border-box;
}
:host([state="available"]) .indicator { background: currentColor; }
:host([state="checking"]) .indicator { border-style: dotted; }
:host([state="error"]) .indicator { border-radius: 2px; transform: rotate(45deg); }
.status {
  font-size: var(--appengage-chat-button-status-font-size, 0.85em);
  color: var(--appengage-chat-button-status-color, inherit);
}
@media (forced-colors: active) {
  button { border-color: ButtonText; }
  button[aria-disabled="true"] { color: GrayText; }
}
`;

let sheet = null;
function styleSheet() {
  // A constructed stylesheet, not a <style> element, so a strict CSP without
  // style-src 'unsafe-inline' applies it.
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

// One ChatApi per configuration, shared by the elements of the page (one module, one client).
const apis = new Map();
function sharedApi(options) {
  const key = JSON.stringify([options.accountId, options.domain, options.csdsDomain, options.wasmURL]);
  let p = apis.get(key);
  if (!p) {
    p = createChatApi(options);
    apis.set(key, p);
    p.catch(() => { if (apis.get(key) === p) apis.delete(key); }); // the next element tries again
  }
  return p;
}

const noop = () => {};

const Base = typeof HTMLElement === 'function' ? HTMLElement : class {};

export class AppEngageChatButton extends Base {
  static get observedAttributes() {
    return [...CONFIG_ATTRIBUTES, 'when-unavailable', 'no-impressions'];
  }

  #button;
  #status;
  #slots = {};
  #request;
  #api;
  #stopWatch = null;
  #generation = 0;
  #restartQueued = false;
  #response = null;
  #error = null;
  #state = 'checking';
  #displayed = null; // the response whose impDisplay was reported (or is being)
  #onVisibility = () => this.#reportDisplay();

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open', delegatesFocus: true });
    root.adoptedStyleSheets = [styleSheet()];
    const wrap = document.createElement('div');
    wrap.className = 'wrap';
    wrap.setAttribute('part', 'container');
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('part', 'button');
    button.setAttribute('aria-describedby', 'status');
    const indicator = document.createElement('span');
    indicator.className = 'indicator';
    indicator.setAttribute('part', 'indicator');
    indicator.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.setAttribute('part', 'label');
    const slot = document.createElement('slot');
    slot.textContent = 'Chat with us';
    label.append(slot);
    button.append(indicator, label);
    const status = document.createElement('span');
    status.id = 'status';
    status.className = 'status';
    status.setAttribute('part', 'status');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    for (const s of STATES) {
      // Named slots let a page word (or translate) each status: <span slot="status-notavailable">…</span>
      const named = document.createElement('slot');
      named.name = `status-${s}`;
      named.textContent = STATUS_TEXT[s];
      this.#slots[s] = named;
    }
    wrap.append(button, status);
    root.append(wrap);
    this.#button = button;
    this.#status = status;
    button.addEventListener('click', () => this.#activate());
    this.#renderInside('checking'); // the state attribute waits for connectedCallback
    // Properties a page (or a framework) set before this module defined the element are
    // own properties of the not-yet-upgraded element; move them onto the setters.
    for (const name of ['api', 'request']) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const value = this[name];
        delete this[name];
        this[name] = value;
      }
    }
  }

  /** checking, available, notavailable or error (reflected in the `state` attribute). */
  get state() {
    return this.#state;
  }

  /** The last getEngagement response, or null (checking, error). */
  get response() {
    return this.#response;
  }

  /** The last error, or null. */
  get error() {
    return this.#error;
  }

  /** The full getEngagement request (SDEs included); `sections` fills consumerSections when it has none. */
  get request() {
    return this.#request;
  }

  set request(value) {
    this.#request = value;
    this.#queueRestart();
  }

  /** A ChatApi to use (e.g. the page's own); by default one is made from the attributes. */
  get api() {
    return this.#api;
  }

  set api(value) {
    this.#api = value;
    this.#queueRestart();
  }

  connectedCallback() {
    this.#render(this.#state);
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#queueRestart();
  }

  disconnectedCallback() {
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#stop();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    if (CONFIG_ATTRIBUTES.includes(name)) this.#queueRestart();
  }

  // Attribute and property changes made together (as frameworks do) restart the watch once.
  #queueRestart() {
    if (this.#restartQueued) return;
    this.#restartQueued = true;
    queueMicrotask(() => {
      this.#restartQueued = false;
      if (this.isConnected) this.#start();
    });
  }

  #stop() {
    this.#generation++;
    this.#stopWatch?.();
    this.#stopWatch = null;
  }

  #options() {
    const opts = {};
    const accountId = this.getAttribute('account-id');
    if (accountId !== null) opts.accountId = accountId;
    const domain = this.getAttribute('domain');
    if (domain) opts.domain = domain;
    const csds = this.getAttribute('csds-domain');
    if (csds) opts.csdsDomain = csds;
    const wasmURL = this.getAttribute('wasm-url') || defaultWasmURL;
    if (wasmURL) opts.wasmURL = new URL(wasmURL, document.baseURI).href;
    return opts;
  }

  #buildRequest() {
    const req = this.#request && typeof this.#request === 'object' ? { ...this.#request } : { appType: 'EXTERNAL' };
    const sections = this.getAttribute('sections');
    if (sections !== null && req.consumerSections === undefined) {
      req.consumerSections = sections.split(',').map((s) => s.trim()).filter(Boolean);
    }
    return req;
  }

  #intervalMs() {
    const raw = this.getAttribute('interval');
    if (raw === null || raw.trim() === '') return DEFAULT_INTERVAL_S * 1000;
    const s = Number(raw);
    if (!Number.isFinite(s) || s <= 0 || s > 86400) {
      throw fieldError('interval', 'must be a number of seconds above 0, at most 86400');
    }
    return s * 1000;
  }

  async #start() {
    this.#stop();
    const generation = this.#generation;
    this.#response = null;
    this.#error = null;
    this.#render('checking');
    let api;
    let intervalMs;
    let request;
    try {
      intervalMs = this.#intervalMs();
      request = this.#buildRequest();
      if (this.#api) {
        api = this.#api;
      } else {
        const options = this.#options();
        // Like an <img> without src, an element without account-id (or api) waits for one:
        // pages and frameworks often set it after the element is in the document.
        if (!options.accountId) return;
        api = await sharedApi(options);
      }
    } catch (err) {
      if (generation === this.#generation) this.#onResult(generation, null, null, err);
      return;
    }
    if (generation !== this.#generation) return; // restarted or removed meanwhile
    try {
      this.#stopWatch = api.watchEngagement(request, { intervalMs },
        (response, error) => this.#onResult(generation, api, response, error));
    } catch (err) {
      this.#onResult(generation, api, null, err);
    }
  }

  #onResult(generation, api, response, error) {
    if (generation !== this.#generation) return;
    this.#usedApi = api;
    if (error) {
      this.#response = null;
      this.#error = error;
      this.#render('error');
      this.#emit('error', error);
      return;
    }
    this.#error = null;
    this.#response = response;
    const available = response?.status === 'Available' && response.engagementDetails != null;
    this.#render(available ? 'available' : 'notavailable');
    this.#emit('engagement', response);
    // Once per answer: the same answer again (the element moved, re-rendered) is no new display.
    if (available) this.#reportDisplay();
  }

  #usedApi = null;

  #render(state) {
    this.#state = state;
    if (this.getAttribute('state') !== state) this.setAttribute('state', state);
    this.#renderInside(state);
  }

  #renderInside(state) {
    const usable = state === 'available';
    // aria-disabled rather than disabled: the button stays focusable, so keyboard and
    // screen-reader users can reach it and hear why it does nothing.
    this.#button.setAttribute('aria-disabled', usable ? 'false' : 'true');
    // Only the current state's text is in the live region, so each change is announced.
    if (this.#status.firstChild !== this.#slots[state]) this.#status.replaceChildren(this.#slots[state]);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  // impDisplay once per Available answer, when the button is actually shown: the page is
  // visible and the element connected (a background tab reports it once it is looked at).
  #reportDisplay() {
    const response = this.#response;
    if (!response || this.state !== 'available' || this.#displayed === response) return;
    if (!this.isConnected || document.visibilityState !== 'visible') return;
    this.#displayed = response;
    this.#impression('impDisplay', response);
  }

  /**
   * Does what activating the button does (a menu item or a shortcut may call it): while
   * Available, fires `chat` and reports impAccept, and returns true; else returns false.
   */
  requestChat() {
    const response = this.#response;
    if (this.state !== 'available' || !response) return false;
    this.#emit('chat', response);
    this.#impression('impAccept', response);
    return true;
  }

  #activate() {
    this.requestChat();
  }

  #impression(kind, response) {
    const api = this.#usedApi;
    if (!api || this.hasAttribute('no-impressions')) return;
    let attribute;
    try {
      attribute = api.impression(kind, response.engagementDetails);
    } catch (err) {
      this.#emit('error', err);
      return;
    }
    api.updateSession({ pageId: response.pageId, impAttributes: [attribute] }, { onError: noop })
      .catch((err) => this.#emit('error', err));
  }
}

/** Defines <appengage-chat-button> once (a second copy of the package finds it defined). */
export function defineChatButton(registry = globalThis.customElements) {
  if (registry && !registry.get(TAG)) registry.define(TAG, AppEngageChatButton);
  return registry?.get(TAG);
}

defineChatButton();
