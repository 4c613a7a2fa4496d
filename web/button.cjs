'use strict';
// CommonJS form of appengage/button, for bundled CommonJS code: require('appengage/button')
// starts loading the element (an ES module, src/button.js), which defines
// <appengage-chat-button> once it has loaded (where there is a customElements registry);
// `ready` resolves to the element's class then. TAG and STATES are plain values, there at once.

exports.TAG = 'appengage-chat-button';
exports.STATES = Object.freeze(['checking', 'available', 'notavailable', 'error']);

exports.ready = import('./button.js').then((m) => m.AppEngageChatButton);
// Whoever awaits ready sees a failed load; nobody awaiting it is no unhandled rejection.
exports.ready.catch(() => {});
