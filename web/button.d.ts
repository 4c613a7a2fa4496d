// Types of appengage/button: the <appengage-chat-button> custom element.
import type { AppEngageError, ChatApi, EngagementRequest, EngagementResponse } from './index.js';

/** The element's `state` attribute. */
export type ChatButtonState = 'checking' | 'available' | 'notavailable' | 'error';

/** Events the element dispatches (all bubble and cross shadow roots); its `error` is a CustomEvent, not an ErrorEvent. */
export interface AppEngageChatButtonEventMap extends Omit<HTMLElementEventMap, 'error'> {
  /** The state or the engagement changed; detail is the getEngagement response. */
  engagement: CustomEvent<EngagementResponse>;
  /** The user activated the button while Available; open the chat window from detail (engagementDetails, visitorId, sessionId). */
  chat: CustomEvent<EngagementResponse & { engagementDetails: NonNullable<EngagementResponse['engagementDetails']> }>;
  /** A check failed after its retries, the attributes are invalid, or an impression could not be reported. */
  error: CustomEvent<AppEngageError>;
}

/**
 * <appengage-chat-button account-id="…" [domain] [csds-domain] [sections="a,b"] [wasm-url]
 * [interval="seconds"] [when-unavailable="hide|disable"] [no-impressions]>label</appengage-chat-button>
 */
export declare class AppEngageChatButton extends HTMLElement {
  static readonly observedAttributes: string[];
  /** Reflects the `state` attribute. */
  readonly state: ChatButtonState;
  /** The last response, or null while checking or after an error. */
  readonly response: EngagementResponse | null;
  /** The last error, or null. */
  readonly error: AppEngageError | null;
  /** A full request (SDEs included); `sections` fills consumerSections when it has none. Default { appType: 'EXTERNAL' }. */
  request: EngagementRequest | undefined;
  /** A ChatApi to use instead of one made from the attributes (then account-id, domain, csds-domain and wasm-url are not read). */
  api: ChatApi | undefined;
  /** Does what activating the button does (for a menu item or a shortcut): while Available fires `chat`, reports impAccept and returns true; else returns false. */
  requestChat(): boolean;
  addEventListener<K extends keyof AppEngageChatButtonEventMap>(type: K, listener: (this: AppEngageChatButton, ev: AppEngageChatButtonEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof AppEngageChatButtonEventMap>(type: K, listener: (this: AppEngageChatButton, ev: AppEngageChatButtonEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

/** The tag name, 'appengage-chat-button'. */
export declare const TAG: 'appengage-chat-button';
/** The values of the `state` attribute. */
export declare const STATES: readonly ChatButtonState[];
/** Defines the element in registry (default: customElements) unless it is defined; returns its class. */
export declare function defineChatButton(registry?: CustomElementRegistry): typeof AppEngageChatButton | undefined;

declare global {
  interface HTMLElementTagNameMap {
    'appengage-chat-button': AppEngageChatButton;
  }
  interface GlobalEventHandlersEventMap {
    chat: AppEngageChatButtonEventMap['chat'];
    engagement: AppEngageChatButtonEventMap['engagement'];
  }
}
