// The page of tests/browser/button*.test.mjs, served by the dev server as its "demo", so
// under the demo's strict CSP. Query: account, interval (s), api=1 (hand the element a
// ChatApi with retry delays from retry=ms,ms,…), hide=1, noimp=1, label.
// Every event of the element is recorded in window.__events (type, state, a summary).
import '/appengage/button.js';
import { createChatApi } from '/appengage/browser.js';

const q = new URLSearchParams(location.search);
window.__events = [];

async function main() {
  const cfg = await (await fetch('/config.json')).json();
  const el = document.createElement('appengage-chat-button');
  for (const type of ['engagement', 'chat', 'error']) {
    // Listened on the document: the events bubble out of the element.
    document.addEventListener(type, (ev) => {
      if (ev.target !== el) return;
      const d = ev.detail || {};
      window.__events.push({ type, state: el.state, status: d.status, code: d.code, engagementId: d.engagementDetails?.engagementId });
    });
  }
  el.setAttribute('sections', 'support,tests');
  if (q.get('interval')) el.setAttribute('interval', q.get('interval'));
  if (q.get('hide')) el.setAttribute('when-unavailable', 'hide');
  if (q.get('noimp')) el.setAttribute('no-impressions', '');
  el.textContent = q.get('label') || 'Chat with us';
  if (q.get('api')) {
    el.api = await createChatApi({
      accountId: q.get('account'),
      csdsDomain: cfg.simulator,
      retry: { delaysMs: (q.get('retry') ?? '').split(',').filter(Boolean).map(Number) },
    });
  } else {
    el.setAttribute('account-id', q.get('account') || cfg.accountId);
    el.setAttribute('csds-domain', cfg.simulator);
  }
  document.getElementById('host').append(el);
  window.__button = el;
}

main().catch((err) => { window.__pageError = String(err && err.message); });
