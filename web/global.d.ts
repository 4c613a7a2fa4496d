// Types of the script-tag build (dist/chatapi.js): the window.ChatApi it defines the moment it
// runs. In a TypeScript page script: /// <reference types="appengage/global" />
import type {
  AppEngageError,
  CallOptions,
  ChatApi as ChatApiInstance,
  ChatApiOptions,
  EngagementDetails,
  EngagementRequest,
  EngagementResponse,
  ErrorCode,
  ImpressionEvent,
  ImpressionType,
  Session,
  UpdateSessionRequest,
  WatchOptions,
} from './index.js';

/** The codes the script-tag facade adds to the client's. */
export type GlobalErrorCode =
  | ErrorCode
  | 'not_initialized' // a call before ChatApi.init
  | 'loading';        // instance() or impression() while the module loads (queued calls wait instead)
// load_failed (in ErrorCode): the load failed, also from instance() after it; ChatApi.init again retries

/** An error of the facade or the client. */
export interface GlobalChatApiError extends Omit<AppEngageError, 'code'> {
  code: GlobalErrorCode;
}

/** LivePerson's onEngagement gets the response, or the error object on failure. */
export type EngagementCallback = (result: EngagementResponse | GlobalChatApiError) => void;

/** LivePerson's event binding forms: a function, {callback, context}, or an array of both. */
export type EngagementBinding =
  | EngagementCallback
  | { callback: EngagementCallback; context?: unknown }
  | Array<EngagementCallback | { callback: EngagementCallback; context?: unknown }>;

/** ChatApi.init's options: createChatApi's, with onEngagement in LivePerson's binding forms. */
export interface GlobalInitOptions extends Omit<ChatApiOptions, 'onEngagement'> {
  onEngagement?: EngagementBinding;
}

/** window.ChatApi. Calls made before the module is ready are queued and run in order. */
export interface GlobalChatApi {
  /** The package version of this build. */
  readonly version: string;
  /** True once the module is loaded and the client made. */
  readonly ready: boolean;
  /** Starts loading; the same promise while loading or ready; loads again after a failure. */
  init(options: GlobalInitOptions): Promise<ChatApiInstance>;
  /** The ready instance; throws 'not_initialized', 'loading' or 'load_failed'. */
  instance(): ChatApiInstance;
  /** Queued until ready; the result or error also goes to onEngagement (this call's, else init's). */
  getEngagement(request: EngagementRequest, onEngagement?: EngagementBinding, options?: CallOptions): Promise<EngagementResponse>;
  getEngagement(request: EngagementRequest, options: CallOptions): Promise<EngagementResponse>;
  /** Queued until ready. */
  updateSession(update: UpdateSessionRequest, options?: CallOptions): Promise<void>;
  /** Queued until ready. */
  session(): Promise<Session | null>;
  /** Queued until ready. */
  resetSession(): Promise<void>;
  /** Returns stop at once; the watch starts when the module is ready (a failed load is reported to onChange). */
  watchEngagement(request: EngagementRequest, options: WatchOptions | undefined, onChange: (response: EngagementResponse | null, error: GlobalChatApiError | null) => void): () => void;
  watchEngagement(request: EngagementRequest, onChange: (response: EngagementResponse | null, error: GlobalChatApiError | null) => void, options?: WatchOptions): () => void;
  /** Builds an impression event; needs a ready module (throws 'loading' before). */
  impression(kind: ImpressionType, engagementDetails: EngagementDetails | EngagementResponse): ImpressionEvent;
}

declare global {
  /** Defined by appengage/dist/chatapi.js. */
  var ChatApi: GlobalChatApi;
}
