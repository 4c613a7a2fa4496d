// appengage/button: importing this module defines <appengage-chat-button> (see
// src/button.js and button.d.ts). It loads the ChatApi (browser entry) when the first
// element connects, not before.
export { AppEngageChatButton, defineChatButton, TAG, STATES } from './src/button.js';
