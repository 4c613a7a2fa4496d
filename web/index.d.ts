// Types of the appengage npm package, written by hand. The string unions mirror the Go
// enums in core/ (types.go, errors.go, sde.go); change both together.

/** appDetails.os */
export type OS = 'WINDOWS' | 'MAC_OSX' | 'LINUX' | 'IOS' | 'ANDROID';
/** appDetails.deviceFamily */
export type DeviceFamily = 'DESKTOP' | 'TABLET' | 'MOBILE';
/** appType: msdkgw serves MSDK and EXTERNAL engagements only; the client sends EXTERNAL when absent. */
export type AppType = 'EXTERNAL' | 'MSDK';
/** Availability of an engagement. */
export type EngagementStatus = 'Available' | 'NotAvailable';

/** Diagnostic information about the consumer application. */
export interface AppDetails {
  appVersion?: string;
  deviceFamily?: DeviceFamily;
  /** An IPv4 or IPv6 literal. */
  ipAddress?: string;
  os?: OS;
  osVersion?: string;
}

// ---- Engagement attributes (SDEs) -------------------------------------------------------

export interface Product {
  name?: string;
  category?: string;
  sku?: string;
  price?: number;
  statusInStock?: string;
  /** A whole number. */
  quantityInStock?: number;
}
export interface ProductEntry {
  product: Product;
  /** A whole number. */
  quantity?: number;
}
/** A date as whole numbers. */
export interface SDEDate {
  day?: number;
  month?: number;
  year?: number;
}

/** Cart update. */
export interface CartSDE {
  type: 'cart';
  total: number;
  currency?: string;
  /** A whole number. */
  numItems: number;
  products?: ProductEntry[];
}
/** Transaction. */
export interface PurchaseSDE {
  type: 'purchase';
  total?: number;
  currency?: string;
  orderId?: string;
  cart?: { products: ProductEntry[]; numItems?: number };
}
/** Viewed product. */
export interface ProdViewSDE {
  type: 'prodView';
  currency?: string;
  products?: ProductEntry[];
}
/** Customer info. */
export interface CustomerInfoSDE {
  type: 'ctmrinfo';
  info: {
    ctype?: string;
    cstatus?: string;
    balance?: number;
    currency?: string;
    customerId?: string;
    socialId?: string;
    imei?: string;
    userName?: string;
    companySize?: number;
    companyBranch?: string;
    accountName?: string;
    role?: string;
    lastPaymentDate?: SDEDate;
    registrationDate?: SDEDate;
    loginStatus?: number;
    storeZipCode?: string;
    storeNumber?: string;
  };
}
/** Marketing source. channel: 0 Direct, 1 Search, 2 Social, 3 Email, 4 Referral. */
export interface MarketingInfoSDE {
  type: 'mrktInfo';
  info: {
    channel?: 0 | 1 | 2 | 3 | 4 | '0' | '1' | '2' | '3' | '4';
    affiliate?: string;
    campaignId?: string;
    /** The spelling of one revision of LivePerson's docs; give one of campaignId and campaignID. */
    campaignID?: string;
  };
}
export type PhoneType = 'HOME' | 'MOBILE' | 'WORK' | 'FAX' | 'MAIN' | 'HOME_FAX' | 'WORK_FAX' | 'PAGER' | 'OTHER';
export interface Contact {
  email?: string;
  phone?: string;
  phoneType?: PhoneType;
  address?: { country?: string; region?: string };
}
/** Personal info. */
export interface PersonalSDE {
  type: 'personal';
  personal: {
    firstname?: string;
    lastname?: string;
    /** age: a whole number 0..150 (30.0 is fine, 30.7 is refused); year is needed without age. */
    age?: { age?: number; year?: number; month?: number; day?: number };
    contacts?: Contact[];
    gender?: 'MALE' | 'FEMALE' | 'OTHER';
    company?: string;
    /** ll-CC or ll_CC, e.g. en-US. */
    language?: string;
  };
}
/** Lead. */
export interface LeadSDE {
  type: 'lead';
  lead: { topic?: string; value?: number; currency?: string; leadId?: string };
}
/**
 * Service activity. status: 0 Complete, 1 In Progress, 2 Approved, 3 Cancelled, 4 Not Approved,
 * 5 Reviewed, 6 Missing Details, 7 Closed, 8 Removed, 9 Assigned, 10 Waiting for Customer
 * Response, 11 Waiting for Response, 12 Pending, 13 Resolved.
 */
export interface ServiceSDE {
  type: 'service';
  service: { topic?: string; status?: number; category?: string; serviceId?: string };
}
/** Visitor error. */
export interface ErrorSDE {
  type: 'error';
  error: { contextId?: string; message?: string; code?: string; level?: number; resolved?: boolean };
}
/** Searched content. */
export interface SearchInfoSDE {
  type: 'searchInfo';
  keywords: string[];
}

/** An engagement attribute (SDE), allowed in engagementAttributes. */
export type EngagementAttribute =
  | CartSDE | PurchaseSDE | ProdViewSDE | CustomerInfoSDE | MarketingInfoSDE
  | PersonalSDE | LeadSDE | ServiceSDE | ErrorSDE | SearchInfoSDE;
export type EngagementAttributeType = EngagementAttribute['type'];

// ---- Impression events (Update Session's impAttributes) -------------------------------

export type ImpressionType = 'impDisplay' | 'impAccept' | 'impExpanded' | 'impTimeout' | 'impClose';
/** An impression event; build one with ChatApi.impression. Ids may be numbers or digit strings. */
export interface ImpressionEvent {
  type: ImpressionType;
  campaign: number | string;
  engId: number | string;
  revision: number | string;
  eContext?: Array<{ type: 'engagementContext'; id: string }>;
  /** impExpanded only. */
  expanded?: boolean | null;
  /** impExpanded only. */
  userInit?: boolean | null;
  /** impExpanded only. */
  actionableItems?: unknown;
}

// ---- Requests and responses -----------------------------------------------------------

/** The request of ChatApi.getEngagement, exactly LivePerson's documented object. */
export interface EngagementRequest {
  appType?: AppType;
  appDetails?: AppDetails;
  consumerSections?: string[];
  engagementAttributes?: EngagementAttribute[];
  /** Visitor id; normally left out so the stored one is reused. */
  vid?: string;
  /** Session id; normally left out so the stored one is reused. */
  sid?: string;
}

/** engagementDetails of an Available response. Ids come as the server sends them. */
export interface EngagementDetails {
  campaignId: string | number;
  engagementId: string | number;
  contextId: string;
  windowId?: string;
  language?: string;
  engagementRevision?: number;
  /** How long the offer stays valid. */
  validForSeconds?: number;
  skillId?: number | string;
  skillName?: string;
  /** Present for authenticated engagements only. */
  connectorId?: string | number;
  [field: string]: unknown;
}

/** The response of ChatApi.getEngagement: the server's object as sent, unknown fields included. */
export interface EngagementResponse {
  status: EngagementStatus;
  sessionId: string;
  visitorId: string;
  pageId: string;
  /** Present when status is Available. */
  engagementDetails?: EngagementDetails;
  [field: string]: unknown;
}

/** The body of ChatApi.updateSession. pageId defaults to the last getEngagement's. */
export interface UpdateSessionRequest {
  pageId?: string;
  engagementAttributes?: EngagementAttribute[];
  impAttributes?: ImpressionEvent[];
}

/** The stored session. */
export interface Session {
  vid: string;
  sid: string;
  pageId: string;
}

// ---- Errors ---------------------------------------------------------------------------

/** The codes of the Go module's errors: exactly the Code constants of core/errors.go (a test checks). */
export type ModuleErrorCode =
  | 'validation'    // the request or options broke a documented rule; nothing was sent
  | 'unauthorized'  // HTTP 401: vid/sid failed the server's validation
  | 'not_found'     // HTTP 404
  | 'bad_request'   // HTTP 400 and other 4xx the server refused
  | 'rate_limited'  // HTTP 429 after all retries
  | 'server'        // HTTP 5xx after all retries, or an answer that could not be used
  | 'network'       // no HTTP response after all retries
  | 'domain_lookup' // the msdkgw host could not be found through CSDS
  | 'aborted'       // cancelled through options.signal, or the ChatApi was closed
  | 'timeout'       // options.timeoutMs or an attempt's deadline passed
  | 'internal';     // a bug in appengage, or the module stopped

/** error.code: a stable class of failure. */
export type ErrorCode =
  | ModuleErrorCode
  | 'load_failed';  // chatapi.wasm could not be read, fetched, compiled or started; error.url is the URL tried (pass wasmURL)

/** One broken rule, named by its field path, e.g. engagementAttributes[0].personal.age.age. */
export interface Problem {
  field: string;
  message: string;
}

/** Every failure is an Error with these fields (error.name is 'AppEngageError'). */
export interface AppEngageError extends Error {
  code: ErrorCode;
  /** The HTTP status of the last response, when there was one. */
  status?: number;
  /** LivePerson's internalCode from the error body (e.g. 20 "Loading account"). */
  internalCode?: number;
  /** The field of the first validation problem. */
  field?: string;
  /** Every validation problem, in field order. */
  problems?: Problem[];
  /** load_failed: the URL chatapi.wasm was loaded from. */
  url?: string;
}

// ---- Options and the ChatApi ----------------------------------------------------------

/** A session store: values are JSON strings; each method may return a promise. */
export interface SessionStorage {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
}

export interface ChatApiOptions {
  /** LivePerson account (site) id, ^[a-zA-Z0-9_]{1,20}$. Required. */
  accountId: string;
  /** msdkgw base: a bare host means https; a scheme is kept (http only for loopback). Omitted: resolved through CSDS. */
  domain?: string;
  /** Domain API (CSDS) base; default https://api.liveperson.net. */
  csdsDomain?: string;
  /** Receives every getEngagement response (unless the call passes its own). */
  onEngagement?: (response: EngagementResponse) => void;
  /** Receives every failure of getEngagement and updateSession (unless the call passes its own). */
  onError?: (error: AppEngageError) => void;
  /** LivePerson's retry policy (1 + 3 attempts); every value is whole milliseconds, at most a day. */
  retry?: {
    /** Pauses before the retries of 5xx, network errors and timeouts; default [5000, 10000, 15000]; [] for none. */
    delaysMs?: number[];
    /**
     * Shortest pause after an HTTP 429, whatever its Retry-After says (a date in the past,
     * none); default 1000 (LivePerson's retry guide asks for at least 1 s: lower it for tests);
     * 0 for none. Must not exceed maxRateLimitWaitMs.
     */
    minRateLimitWaitMs?: number;
    /**
     * Longest pause after an HTTP 429 (and the cap on a Retry-After sent with a 5xx, which may
     * lengthen the scheduled pause); default 60000.
     */
    maxRateLimitWaitMs?: number;
  };
  /** Bound on each HTTP attempt in ms; default 30000; 0 for none. */
  attemptTimeoutMs?: number;
  /** How long a host found through CSDS is reused, in ms; 0 to ask every time. */
  domainTTLMs?: number;
  /**
   * Where the session lives. 'memory'; 'localStorage' (browsers, Electron renderers);
   * { file: path } (Node, Electron main); or your own { get, set, remove }.
   * Default: localStorage when the host has one, else memory (always memory in Node).
   */
  storage?: 'memory' | 'localStorage' | { file: string } | SessionStorage;
  /**
   * The fetch to use, e.g. Electron's net.fetch. Default: in Node, requests made with
   * node:http(s) through their global agents (a fraction of the cost of Node's fetch per call);
   * elsewhere globalThis.fetch.
   */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /**
   * Send Update Session's PUT as a POST with X-HTTP-Method-Override: PUT. Default false.
   * The Go module decides the method and the header (docs/client.md, "Method override");
   * turn it on in a browser when the server's CORS answer does not allow PUT (LivePerson's
   * gateways allow GET, POST and PATCH cross-origin). No effect on getEngagement.
   */
  methodOverride?: boolean;
  /**
   * How requests treat fields the module does not know (docs/validation.md). Default false:
   * unknown fields are sent to LivePerson unchanged, and only near-misses of documented
   * names (`firstName` for `firstname`, `ipAdress`) are refused, with a hint naming the
   * documented field. true: every unknown field is refused with code 'validation'.
   */
  strict?: boolean;
  /** Where chatapi.wasm is; default next to the package (Node reads file: URLs from disk). */
  wasmURL?: string | URL;
  /** An already compiled chatapi.wasm. */
  wasmModule?: WebAssembly.Module;
}

export interface CallOptions {
  /** Cancels the call; it rejects with code 'aborted'. */
  signal?: AbortSignal;
  /** Bound on the whole call including retries; it rejects with code 'timeout'. */
  timeoutMs?: number;
  /** Receives the failure (instead of the one given to createChatApi). */
  onError?: (error: AppEngageError) => void;
}

/**
 * watchEngagement's options. In a page (a browser, an Electron renderer, a web view: wherever
 * there is a document) the watcher has manners towards LivePerson: it asks nothing while the
 * page is hidden or the browser is offline (on becoming visible or online it asks at once if
 * the last answer is older than the pause); one tab per origin, account and request asks for
 * all the tabs of the browser profile (they share the answers; another tab takes over when
 * it closes); after a call that failed with its retries exhausted, the pause doubles per
 * failure in a row, capped at five minutes, until an answer resets it. Answers are shared
 * between tabs only with the default localStorage storage. In Node and Electron main the
 * watcher asks every intervalMs.
 */
export interface WatchOptions {
  /**
   * Pause between two questions in whole ms, at most a day (default 60000); shorter while an
   * offer would expire first (80 % of its validForSeconds).
   */
  intervalMs?: number;
}

export interface ChatApi {
  /**
   * Asks whether an engagement is available, reusing the stored visitor and session.
   * onEngagement (or the one given to createChatApi) receives the response too.
   */
  getEngagement(request: EngagementRequest, onEngagement?: (response: EngagementResponse) => void, options?: CallOptions): Promise<EngagementResponse>;
  getEngagement(request: EngagementRequest, options: CallOptions): Promise<EngagementResponse>;
  /** Adds SDEs and impression events to the stored session, on the last pageId. */
  updateSession(update: UpdateSessionRequest, options?: CallOptions): Promise<void>;
  /** Builds an impression event from engagementDetails (or a whole response). */
  impression(kind: ImpressionType, engagementDetails: EngagementDetails | EngagementResponse): ImpressionEvent;
  /** The stored session, or null before the first answer. */
  session(): Promise<Session | null>;
  /** Forgets the stored session; the next call creates a new visitor. */
  resetSession(): Promise<void>;
  /**
   * Keeps asking; calls onChange with the first result and then with every change
   * (availability, engagement, revision, error code). Returns stop().
   */
  watchEngagement(request: EngagementRequest, onChange: (response: EngagementResponse | null, error: AppEngageError | null) => void, options?: WatchOptions): () => void;
  watchEngagement(request: EngagementRequest, options: WatchOptions, onChange: (response: EngagementResponse | null, error: AppEngageError | null) => void): () => void;
  /** Stops every watch, cancels calls under way (they reject with 'aborted') and frees the client. */
  close(): void;
}

/** Loads the module (once) and creates a ChatApi. Rejects with an AppEngageError on bad options. */
export function createChatApi(options: ChatApiOptions): Promise<ChatApi>;

/** A { get, set, remove } storage keeping sessions in a JSON file (Node, Electron main). */
export function fileStorage(path: string): SessionStorage;

/** Diagnostics of the loaded module, after a Go garbage collection; null before it is loaded. */
export function moduleStats(): Promise<{ jsValues: number; timers: number; wasmMemoryBytes: number } | null>;

/** The package version; chatapi.wasm must report the same one. */
export const VERSION: string;
