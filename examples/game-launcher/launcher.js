// The launcher's support button is <appengage-chat-button> from the script-tag build: it
// checks availability (quietly while the launcher is minimised, once for all its windows),
// reports LivePerson's impressions, and fires `chat` when the player uses it.
(function () {
  'use strict';
  // A real launcher ships its LivePerson account id; leaving csds-domain out makes the
  // ChatApi look the msdkgw host up at api.liveperson.net. ?account=&sim= point it at the
  // local simulator instead (the tests and `make run` do).
  var q = new URLSearchParams(location.search);

  document.addEventListener('DOMContentLoaded', function () {
    var button = document.getElementById('support-chat');
    var note = document.getElementById('support-note');
    if (q.get('sim')) button.setAttribute('csds-domain', q.get('sim'));
    button.setAttribute('account-id', q.get('account') || '12345678');
    button.addEventListener('chat', function (ev) {
      // Open the chat window of your choice with ev.detail.visitorId, sessionId and
      // engagementDetails (contextId, engagementId…); the element has reported impAccept.
      note.textContent = 'Opening chat…';
    });
    button.addEventListener('error', function (ev) {
      note.textContent = button.state === 'error' ? 'Could not reach support (' + (ev.detail.code || 'error') + ').' : '';
    });
    button.addEventListener('engagement', function () {
      note.textContent = '';
    });
  });
})();
