package handlers

import (
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/oauth"
)

// DirectLoginMode says how a login by the app's own form (PasswordLogin,
// Register, Verify) is finished once Wix has accepted the password: Wix
// must still hand out a code for the member's session token.
type DirectLoginMode string

const (
	// DirectLoginWebMessage is the SDK's own way, and the default: as
	// getMemberTokensForDirectLogin() does, a small page of the app
	// (DirectLoginPage, under a strict Content-Security-Policy) loads
	// Wix's auth URL with responseMode=web_message and no redirectUri in a
	// hidden iframe; the code and state Wix's page posts to it are handed
	// to the server by a same-origin POST, and the code is exchanged
	// without a redirectUri. It needs JavaScript and a browser that lets
	// Wix's page run in a frame; a frame that never answers ends, after
	// Config.DirectLoginTimeout, in a message and a way to try again.
	DirectLoginWebMessage DirectLoginMode = "web_message"
	// DirectLoginRedirect sends the whole page to Wix's auth URL with
	// prompt=none and responseMode=query; Wix redirects it back to the
	// callback with the code. It needs no JavaScript and no third-party
	// frame, but the official SDK never does it, so no recorded traffic
	// shows Wix honouring it: it rests on docs/protocol.md's assumption
	// A1, which cmd/wixcheck checks against a site. Opt in only once it
	// holds for yours.
	DirectLoginRedirect DirectLoginMode = "redirect"
)

// directKey holds the auth URL of the direct login under way, for its page:
// the URL logs the member in, so it stays on the server.
const directKey = "wixauth.direct"

type pendingDirect struct {
	State   string `json:"s"`
	URL     string `json:"u"`
	Started int64  `json:"ms"`
}

//go:embed static/direct-login.js
var directLoginJS []byte

var directLoginPage = template.Must(template.New("direct").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Signing in…</title>
<script nonce="{{.Nonce}}" src="{{.Script}}" defer></script>
</head><body>
<p id="wixauth-direct-login" data-auth-url="{{.AuthURL}}" data-state="{{.State}}" data-origins="{{.Origins}}" data-timeout="{{.Timeout}}">Signing you in…</p>
<form id="wixauth-direct-handoff" method="post" action="{{.Action}}" hidden>
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="code" value="">
<input type="hidden" name="error" value="">
</form>
<div id="wixauth-direct-timeout" hidden>
<p>Wix did not answer the login in time. Your password was accepted; the last step did not finish.</p>
<p><button type="button" id="wixauth-direct-retry">Try again</button> or <a href="{{.Form}}">go back to the login form</a>.</p>
</div>
<noscript><p>This login needs JavaScript. <a href="{{.Form}}">Back to the login form</a></p></noscript>
</body></html>
`))

// beginDirectLogin keeps the web_message auth URL of a direct login in the
// session and sends the browser to DirectLoginPage. As the SDK's, the
// login has no redirect URI: not in the auth request, not in the code
// exchange. One waits at a time: a newer form login in another tab
// replaces it (its page then says to log in again), as the session token
// it holds is spent by then anyway.
func (h *Handlers) beginDirectLogin(w http.ResponseWriter, r *http.Request, flow Flow, d oauth.Data, sessionToken string) {
	ctx := r.Context()
	d.RedirectURI = ""
	u, err := oauth.AuthURL(ctx, wixauth.FromContext(ctx), d, oauth.AuthURLOptions{Prompt: "none", SessionToken: sessionToken, ResponseMode: string(DirectLoginWebMessage)})
	if err != nil {
		h.wixFailed(w, r, flow, err, true)
		return
	}
	h.addPendingLogin(ctx, d)
	b, _ := json.Marshal(pendingDirect{State: d.State, URL: u, Started: h.cfg.Now().UnixMilli()})
	h.sessions.Put(ctx, directKey, b)
	h.respond(w, r, Result{Flow: flow, State: identity.LoginSuccess, Redirect: h.cfg.Prefix + "/direct-login?" + url.Values{"state": {d.State}}.Encode()})
}

// DirectLoginPage serves the page of DirectLoginWebMessage and takes its
// handoff.
//
// GET with the login's "state" serves the page. It is good once, for the
// direct login under way in the session, within PendingLoginTTL; anything
// else is a 400 that sends the visitor back to the form. The page has no
// inline script or style, and a Content-Security-Policy that allows only
// its own script (by nonce), frames of Wix's auth URL's origin and of
// Config.FrameOrigins, and forms posted to the app itself.
//
// POST with "code" and "state" (or "error") is the page handing over what
// the frame posted: refused across origins like every form, it completes
// only a web_message login under way in this session, once, with its PKCE
// verifier, and renews the session ID, as Callback does.
func (h *Handlers) DirectLoginPage() http.Handler {
	handoff := h.formHandler(FlowCallback, func(w http.ResponseWriter, r *http.Request, f map[string]string) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.complete(w, r, oauth.Callback{Code: f["code"], State: f["state"], Error: f["error"]}, true)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			handoff.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		// Not no-referrer: under it browsers send "Origin: null" with the
		// page's handoff, which the origin check must refuse. Wix's frame
		// still gets no Referer.
		w.Header().Set("Referrer-Policy", "same-origin")
		ctx := r.Context()
		var p pendingDirect
		b, _ := h.sessions.Get(ctx, directKey).([]byte)
		state := r.URL.Query().Get("state")
		if json.Unmarshal(b, &p) != nil || state == "" || p.State != state || !h.live(p.Started, h.cfg.Now()) {
			h.respond(w, r, Result{Flow: FlowLogin, State: identity.LoginFailure, Status: http.StatusBadRequest, Form: true,
				Error: "This login is unknown, expired or already completed. Please log in again."})
			return
		}
		h.sessions.Remove(ctx, directKey)
		wix, err := url.Parse(p.URL)
		if err != nil || wix.Host == "" || (wix.Scheme != "https" && wix.Scheme != "http") {
			h.respond(w, r, Result{Flow: FlowLogin, Status: http.StatusBadGateway, Form: true, Error: "Wix answered an unusable login URL. Please try again."})
			return
		}
		origins := strings.Join(append([]string{strings.ToLower(wix.Scheme + "://" + wix.Host)}, h.cfg.FrameOrigins...), " ")
		nonce := newNonce()
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; frame-src "+origins+"; child-src "+origins+
			"; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		directLoginPage.Execute(w, map[string]string{
			"Nonce": nonce, "Script": h.cfg.Prefix + "/direct-login.js", "Action": h.cfg.Prefix + "/direct-login",
			"AuthURL": p.URL, "State": p.State, "Origins": origins, "Form": h.cfg.FormPath,
			"Timeout": strconv.FormatInt(h.cfg.DirectLoginTimeout.Milliseconds(), 10),
		})
	})
}

// DirectLoginScript serves the static script of DirectLoginPage. It needs
// no session.
func (h *Handlers) DirectLoginScript() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(directLoginJS)
	})
}

func newNonce() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
