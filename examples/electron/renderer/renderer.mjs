// Electron renderer: <appengage-chat-button> from the package's button entry (over the
// browser ESM entry), as a bundler or the app:// protocol serves it. The session lives in
// this origin's localStorage; the windows of the app share one watcher.
import '../node_modules/appengage/button.js';

const q = new URLSearchParams(location.search);
// From the preload script in Electron; from the query string when the page is opened in a
// plain browser (the Chromium test does that).
const config = globalThis.appengageConfig || { accountId: q.get('account'), csdsDomain: q.get('sim') || undefined };
const button = document.getElementById('chat');
const note = document.getElementById('note');

button.request = { appType: 'EXTERNAL', appDetails: { deviceFamily: 'DESKTOP' }, consumerSections: ['electron-renderer'] };
if (config.csdsDomain) button.setAttribute('csds-domain', config.csdsDomain);
button.setAttribute('account-id', config.accountId);

button.addEventListener('chat', (ev) => {
  // Open your chat window here with ev.detail (visitorId, sessionId, engagementDetails);
  // the element has reported impAccept.
  note.textContent = `Opening chat (engagement ${ev.detail.engagementDetails.engagementId})…`;
});
button.addEventListener('error', (ev) => {
  if (button.state === 'error') note.textContent = `${ev.detail.code}: ${ev.detail.message}`;
});
button.addEventListener('engagement', () => { note.textContent = ''; });
// The Help menu's "Chat with us" (main process) does what clicking the button does.
globalThis.appengageEvents?.onOpenChat(() => button.requestChat());
