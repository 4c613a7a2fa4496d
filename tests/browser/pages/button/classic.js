// The classic page: the element comes from dist/chatapi.js (no module); the account from
// ?account=, the simulator from /config.json.
(function () {
  'use strict';
  window.__events = [];
  fetch('/config.json').then(function (r) { return r.json(); }).then(function (cfg) {
    var el = document.createElement('appengage-chat-button');
    el.setAttribute('account-id', new URLSearchParams(location.search).get('account'));
    el.setAttribute('csds-domain', cfg.simulator);
    el.setAttribute('interval', '60');
    el.textContent = 'Chat with support';
    el.addEventListener('engagement', function (ev) { window.__events.push({ type: 'engagement', status: ev.detail.status }); });
    el.addEventListener('chat', function (ev) { window.__events.push({ type: 'chat', contextId: ev.detail.engagementDetails.contextId }); });
    el.addEventListener('error', function (ev) { window.__events.push({ type: 'error', code: ev.detail.code }); });
    document.getElementById('host').appendChild(el);
  });
})();
