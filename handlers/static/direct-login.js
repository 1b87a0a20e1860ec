// Finishes a direct login the way the official SDK's
// getMemberTokensForDirectLogin() does: Wix's auth URL (prompt=none,
// responseMode=web_message, no redirectUri) is loaded in a hidden iframe,
// and the page Wix answers there posts {code, state} to this window. The
// listener is stricter than the SDK's, which checks the state only: the
// message must come from that iframe's window, from one of the origins the
// page's frame policy lets the iframe load (data-origins), and carry this
// login's state. The code and state are then posted to the app (a
// same-origin form, the server checks Origin), which exchanges the code
// with the PKCE verifier kept in the session. If no such message comes in
// time (data-timeout), the member is told so and may try again: the page
// never just hangs. Served as a file (no inline script) so that the page
// runs under a strict Content-Security-Policy.
(function () {
  'use strict';
  var el = document.getElementById('wixauth-direct-login');
  var form = document.getElementById('wixauth-direct-handoff');
  var failed = document.getElementById('wixauth-direct-timeout');
  var authURL = el.getAttribute('data-auth-url');
  var state = el.getAttribute('data-state');
  var origins = el.getAttribute('data-origins').split(' ');
  var timeout = parseInt(el.getAttribute('data-timeout'), 10) || 30000;
  var done = false;
  var timer = 0;
  var iframe = null;

  // An origin matches "scheme://host[:port]" exactly, or "scheme://*.domain"
  // for a host under domain, as the CSP source expressions of frame-src.
  function allowed(origin) {
    return origins.some(function (p) {
      if (p === origin) return true;
      var i = p.indexOf('://*.');
      if (i < 0) return false;
      var scheme = p.slice(0, i + 3), suffix = p.slice(i + 4);
      return origin.indexOf(scheme) === 0 && origin.length > scheme.length + suffix.length &&
        origin.slice(-suffix.length) === suffix && origin.indexOf('/', scheme.length) < 0;
    });
  }

  window.addEventListener('message', function (e) {
    if (done || !iframe || e.source !== iframe.contentWindow || !allowed(e.origin)) return;
    var d = e.data;
    if (!d || typeof d !== 'object' || d.state !== state) return;
    done = true;
    clearTimeout(timer);
    form.elements.code.value = typeof d.code === 'string' ? d.code : '';
    form.elements.error.value = typeof d.error === 'string' ? d.error : (typeof d.code === 'string' ? '' : 'no_code');
    form.submit();
  });

  function start() {
    failed.hidden = true;
    el.hidden = false;
    if (iframe) iframe.remove();
    iframe = document.createElement('iframe');
    iframe.hidden = true;
    iframe.title = 'Wix login';
    iframe.src = authURL;
    document.body.appendChild(iframe);
    timer = setTimeout(function () {
      if (done) return;
      el.hidden = true;
      failed.hidden = false;
    }, timeout);
  }

  document.getElementById('wixauth-direct-retry').addEventListener('click', start);
  start();
})();
