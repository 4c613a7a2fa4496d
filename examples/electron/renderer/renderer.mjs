// Electron renderer: the browser ESM entry, as a bundler or the app:// protocol serves it.
// The session lives in this origin's localStorage.
import { createChatApi } from '../node_modules/appengage/browser.js';

const q = new URLSearchParams(location.search);
// From the preload script in Electron; from the query string when the page is opened in a
// plain browser (the Chromium test does that).
const config = globalThis.appengageConfig || { accountId: q.get('account'), csdsDomain: q.get('sim') || undefined };
const button = document.getElementById('chat');
const note = document.getElementById('note');

function show(state, label, text = '') {
  button.dataset.state = state;
  button.disabled = state !== 'available';
  button.textContent = label;
  note.textContent = text;
}

let current = null;
try {
  const api = await createChatApi({ accountId: config.accountId, ...(config.csdsDomain ? { csdsDomain: config.csdsDomain } : {}) });
  api.watchEngagement({ appType: 'EXTERNAL', appDetails: { deviceFamily: 'DESKTOP' }, consumerSections: ['electron-renderer'] },
    { intervalMs: 60_000 }, (response, error) => {
      if (error) { current = null; show('error', 'Chat unreachable', `${error.code}: ${error.message}`); return; }
      current = response;
      if (response.status === 'Available') show('available', 'Chat with us');
      else show('notavailable', 'No agents online');
    });
  const open = () => {
    if (!current || current.status !== 'Available') return;
    api.updateSession({ impAttributes: [api.impression('impAccept', current.engagementDetails)] }).catch(() => {});
    note.textContent = `Opening chat (engagement ${current.engagementDetails.engagementId})…`;
  };
  button.addEventListener('click', open);
  globalThis.appengageEvents?.onOpenChat(open);
} catch (err) {
  show('error', 'Chat unavailable', `${err.code || 'error'}: ${err.message}`);
}
