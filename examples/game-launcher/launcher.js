// The launcher's support button. ChatApi comes from the script-tag build; init and
// watchEngagement are called at once and run when the wasm is ready.
/* global ChatApi */
(function () {
  'use strict';
  // A real launcher ships its LivePerson account id; leaving domain and csdsDomain out makes
  // the ChatApi look the msdkgw host up at api.liveperson.net. ?account=&sim= point it at
  // the local simulator instead (the tests and `make run` do).
  var q = new URLSearchParams(location.search);
  var options = { accountId: q.get('account') || '12345678' };
  if (q.get('sim')) options.csdsDomain = q.get('sim');

  function show(state, label, note) {
    var button = document.getElementById('support-chat');
    button.setAttribute('data-state', state);
    button.disabled = state !== 'available';
    document.getElementById('support-label').textContent = label;
    document.getElementById('support-note').textContent = note || '';
  }

  var engagement = null;
  ChatApi.init(options);
  ChatApi.watchEngagement({ appType: 'EXTERNAL', appDetails: { deviceFamily: 'DESKTOP', appVersion: '3.2.0' },
    consumerSections: ['launcher', 'library'] }, { intervalMs: 60000 }, function (response, error) {
    if (error) {
      show('error', 'Support: offline', 'Could not reach support (' + (error.code || 'error') + ').');
    } else if (response.status === 'Available') {
      engagement = response;
      show('available', 'Chat with support');
    } else {
      engagement = null;
      show('notavailable', 'Support: no agents online');
    }
  });

  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('support-chat').addEventListener('click', function () {
      if (!engagement) return;
      // Tell LivePerson the offer was accepted, then open the chat window of your choice
      // with engagement.visitorId, sessionId and engagementDetails.contextId.
      ChatApi.updateSession({ impAttributes: [ChatApi.impression('impAccept', engagement.engagementDetails)] })
        .catch(function () { /* reporting is best effort */ });
      document.getElementById('support-note').textContent = 'Opening chat…';
    });
  });
})();
