// One tab of tests/browser/bench-tabs.mjs: a ChatApi watching with ?interval= ms, as an app
// calling watchEngagement does. window.__answers counts the results this tab received.
import { createChatApi } from '/appengage/browser.js';

const q = new URLSearchParams(location.search);
window.__answers = 0;
const cfg = await (await fetch('/config.json')).json();
const api = await createChatApi({ accountId: q.get('account'), csdsDomain: cfg.simulator });
window.__api = api;
window.__stop = api.watchEngagement({ appType: 'EXTERNAL', consumerSections: (q.get('sections') || 'bench').split(',') }, { intervalMs: Number(q.get('interval')) },
  () => { window.__answers++; document.getElementById('out').textContent = 'watching'; });
