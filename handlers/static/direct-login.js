// Finishes a direct login the way the official SDK's
// getMemberTokensForDirectLogin() does: Wix's auth URL (prompt=none,
// responseMode=web_message) is loaded in a hidden iframe, and the page Wix
// answers there posts {code, state} to this window. Only a message from that
// iframe, carrying this login's state, is taken; it goes to the app's
// callback, which exchanges the code on the server with the PKCE verifier
// kept in the session. Served as a file (no inline script) so that the page
// runs under a strict Content-Security-Policy.
(function () {
  'use strict';
  var el = document.getElementById('wixauth-direct-login');
  var authURL = el.getAttribute('data-auth-url');
  var state = el.getAttribute('data-state');
  var callback = el.getAttribute('data-callback');
  var done = false;
  var iframe = document.createElement('iframe');

  function finish(params) {
    if (done) return;
    done = true;
    var q = new URLSearchParams();
    ['code', 'state', 'error', 'error_description'].forEach(function (k) {
      if (typeof params[k] === 'string') q.set(k, params[k]);
    });
    location.replace(callback + (callback.indexOf('?') < 0 ? '?' : '&') + q.toString());
  }

  window.addEventListener('message', function (e) {
    // The iframe's window, whatever origin Wix's page ends up on: the SDK
    // checks only the state, this checks the sender too.
    if (e.source !== iframe.contentWindow || !e.data || e.data.state !== state) return;
    finish(e.data);
  });
  // The SDK gives up after 120 seconds; so does this page, through the
  // callback, which shows the login form with the error.
  setTimeout(function () {
    finish({ state: state, error: 'timeout', error_description: 'Wix did not answer the login in time' });
  }, 120000);

  iframe.hidden = true;
  iframe.title = 'Wix login';
  iframe.src = authURL;
  document.body.appendChild(iframe);
})();
