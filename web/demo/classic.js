// The script-tag way: window.ChatApi exists as soon as chatapi.js has run, so this file can
// call init and getEngagement at once; they are queued until the wasm is ready.
/* global ChatApi */
(function () {
  'use strict';
  var q = new URLSearchParams(location.search);
  var $ = function (id) { return document.getElementById(id); };

  function show(state, label, status, error) {
    $('chat').setAttribute('data-state', state);
    $('chat-label').textContent = label;
    $('chat-status').textContent = status;
    $('chat-button').disabled = state !== 'available';
    $('chat-error').hidden = !error;
    $('chat-error').textContent = error || '';
  }

  function onEngagement(response) {
    if (response && response.status === 'Available') {
      show('available', 'Chat with us', 'An agent is available.');
    } else if (response && response.status === 'NotAvailable') {
      show('notavailable', 'Chat unavailable', 'No agent is available right now.');
    } else {
      // LivePerson's callbacks receive the error object itself: it has no status field.
      show('error', 'Can’t check chat', 'The check failed.', (response && (response.code ? response.code + ': ' : '') + (response && response.message)) || 'unknown error');
    }
  }

  // The simulator's address comes from the dev server; account and simulator can be
  // overridden with ?account= and ?sim= (the tests do).
  var sim = q.get('sim');
  var account = q.get('account');
  var start = function (cfg) {
    ChatApi.init({ accountId: account || cfg.accountId, csdsDomain: sim || cfg.simulator, onEngagement: onEngagement });
    ChatApi.getEngagement({ appType: 'EXTERNAL', consumerSections: ['classic'] });
  };
  if (sim && account) {
    start({});
  } else {
    fetch('/config.json').then(function (r) { return r.json(); }).then(start, function (err) {
      show('error', 'Can’t check chat', 'No configuration.', String(err && err.message));
    });
  }
})();
