package handlers_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/wixauth/wixauth/internal/testutil"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/internal/testbrowser"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/wixtest"
)

const cookieName = "wixauth_session"

// options tune an env before it starts.
type options struct {
	wix      []wixtest.Option
	auth     func(*wixauth.Config)
	handlers func(*handlers.Config)
	// handlersWix, if set, changes the config knowing the fake (its URLs).
	handlersWix func(*handlers.Config, *wixtest.Server)
	// mount puts the handlers on the app's mux; the default is
	// Handlers.Mount.
	mount func(*handlers.Handlers, *http.ServeMux)
}

// env is one app (handlers.Mount plus a few test routes, all behind the
// middleware) talking to one fake Wix. Both are real HTTP servers; every
// answer of each is recorded, so that tests can look for leaked secrets.
type env struct {
	t     *testing.T
	wix   *wixtest.Server
	auth  *wixauth.Auth
	h     *handlers.Handlers
	app   string // the app's origin, also its BaseURL
	store *countingStore
	logs  *testutil.LockedBuffer

	mu       sync.Mutex
	issued   map[string]string // secret value -> what it is, from the fake's answers
	appOut   []exchange        // what the app sent to browsers
	lastSeen wixauth.Tokens    // tokens the "/" route saw last
}

// exchange is one answer of the app.
type exchange struct {
	method, path string
	status       int
	header       http.Header
	body         string
}

func newEnv(t *testing.T, o options) *env {
	t.Helper()
	e := &env{t: t, logs: &testutil.LockedBuffer{}, issued: map[string]string{}}

	// The fake behind a recording front, so that every secret it hands out
	// is known to the test.
	e.wix = wixtest.NewUnstartedServer(o.wix...)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &captureWriter{ResponseWriter: w}
		e.wix.Handler().ServeHTTP(cw, r)
		e.noteIssued(cw.Header(), cw.body.Bytes())
	}))
	e.wix.SetURL(front.URL)
	t.Cleanup(front.Close)
	t.Cleanup(e.wix.Close) // runs first: releases hung requests

	var root http.Handler
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { root.ServeHTTP(w, r) }))
	e.app = "http://" + app.Listener.Addr().String()

	e.store = &countingStore{Store: memstore.New()}
	cfg := wixauth.Config{
		ClientID: e.wix.ClientID,
		APIURL:   e.wix.URL,
		APIKey:   e.wix.APIKey,
		BaseURL:  e.app,
		Logger:   slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if o.auth != nil {
		o.auth(&cfg)
	}
	if cfg.Sessions == nil {
		// Built for the BaseURL the test ends with; the cookie keeps its
		// name, so that the test browser finds it.
		sm, err := session.New(session.Options{Store: e.store, CookieName: cookieName, BaseURL: cfg.BaseURL, NoHostPrefix: true})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Sessions = sm
	}
	a, err := wixauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.auth = a
	hcfg := handlers.Config{}
	if o.handlers != nil {
		o.handlers(&hcfg)
	}
	if o.handlersWix != nil {
		o.handlersWix(&hcfg, e.wix)
	}
	e.h, err = handlers.New(a, hcfg)
	if err != nil {
		t.Fatal(err)
	}
	// The app's callback is on the OAuth app's allowed redirect URIs, as it
	// must be in the Wix dashboard.
	cb := hcfg.CallbackPath
	if cb == "" {
		cb = "/" + strings.Trim(cmp.Or(hcfg.Prefix, "/auth"), "/") + "/callback"
	}
	e.wix.AllowRedirectURI(e.app + cb)
	mux := http.NewServeMux()
	if o.mount != nil {
		o.mount(e.h, mux)
	} else {
		e.h.Mount(mux)
	}
	e.routes(mux)
	root = e.recordApp(a.Middleware(mux))
	app.Start()
	t.Cleanup(app.Close)
	return e
}

// routes are the app's own pages used by the tests.
func (e *env) routes(mux *http.ServeMux) {
	// Every other page answers "<role> <request URI>", so that a test sees
	// where the browser landed and as whom.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c := wixauth.FromRequest(r)
		e.mu.Lock()
		e.lastSeen = c.Tokens()
		e.mu.Unlock()
		fmt.Fprintf(w, "%s %s", c.Tokens().Role(), r.URL.RequestURI())
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		var out struct {
			Member struct {
				LoginEmail string `json:"loginEmail"`
			} `json:"member"`
		}
		if err := wixauth.FromRequest(r).Get(r.Context(), "/members/v1/members/my", &out); err != nil {
			http.Error(w, "not a member", http.StatusForbidden)
			return
		}
		io.WriteString(w, out.Member.LoginEmail)
	})
	mux.HandleFunc("GET /cart", func(w http.ResponseWriter, r *http.Request) {
		var out struct {
			Cart struct {
				LineItems []struct {
					Quantity         int `json:"quantity"`
					CatalogReference struct {
						CatalogItemID string `json:"catalogItemId"`
					} `json:"catalogReference"`
				} `json:"lineItems"`
			} `json:"cart"`
		}
		var ae *wixauth.APIError
		err := wixauth.FromRequest(r).Get(r.Context(), "/ecom/v1/carts/current", &out)
		if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound {
			io.WriteString(w, "empty")
			return
		}
		if err != nil {
			http.Error(w, "cart failed", http.StatusBadGateway)
			return
		}
		var lines []string
		for _, li := range out.Cart.LineItems {
			lines = append(lines, fmt.Sprintf("%s x%d", li.CatalogReference.CatalogItemID, li.Quantity))
		}
		io.WriteString(w, strings.Join(lines, ", "))
	})
	mux.HandleFunc("POST /cart", func(w http.ResponseWriter, r *http.Request) {
		item := r.URL.Query().Get("item")
		body := map[string]any{"lineItems": []any{map[string]any{
			"catalogReference": map[string]any{"appId": "test-app", "catalogItemId": item}, "quantity": 1}}}
		if err := wixauth.FromRequest(r).Post(r.Context(), "/ecom/v1/carts/current/add-to-cart", body, nil); err != nil {
			http.Error(w, "add-to-cart failed", http.StatusBadGateway)
			return
		}
		io.WriteString(w, "added")
	})
	// A members-only page, and one that shows the cached profile.
	mux.Handle("GET /members-only", e.h.RequireMember(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "members only")
	})))
	mux.HandleFunc("GET /profile", func(w http.ResponseWriter, r *http.Request) {
		m, err := e.h.Member(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		io.WriteString(w, m.LoginEmail+" "+m.Name())
	})
	// An app that authenticates members itself and logs them in to Wix
	// with the API key (the authorized_client grant).
	mux.HandleFunc("POST /external", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c := wixauth.FromRequest(r)
		tok, err := identity.ExternalLogin(ctx, c, r.URL.Query().Get("member"))
		if err != nil {
			http.Error(w, "external login failed", http.StatusBadGateway)
			return
		}
		if err := e.auth.RenewSession(ctx); err != nil {
			http.Error(w, "session", http.StatusInternalServerError)
			return
		}
		c.SetTokens(tok)
		http.Redirect(w, r, "/account", http.StatusSeeOther)
	})
}

// recordApp keeps a copy of every answer the app sends.
func (e *env) recordApp(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &captureWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		e.mu.Lock()
		e.appOut = append(e.appOut, exchange{r.Method, r.URL.Path, cw.status, cw.Header().Clone(), cw.body.String()})
		e.mu.Unlock()
	})
}

// noteIssued remembers every credential in an answer of the fake: tokens,
// session and state tokens, and authorization codes in Location.
func (e *env) noteIssued(h http.Header, body []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if loc := h.Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil {
			for _, q := range []string{u.RawQuery, u.Fragment} {
				if v, _ := url.ParseQuery(q); v.Get("code") != "" {
					e.issued[v.Get("code")] = "authorization code"
				}
			}
		}
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return
	}
	walkJSON(v, func(k, s string) {
		switch k {
		case "access_token", "refresh_token", "sessionToken", "stateToken":
			e.issued[s] = k
		}
	})
}

// secrets returns every value that must never reach a log line or a
// browser: what the fake issued, what the app sent to the fake as a
// credential (verifiers, passwords, the API key), plus extra.
func (e *env) secrets(extra ...string) map[string]string {
	out := map[string]string{}
	for _, r := range e.wix.Requests() {
		for i, part := range strings.Split(r.Header.Get("Authorization"), ",") {
			if part != "" {
				out[part] = fmt.Sprintf("Authorization part %d", i)
			}
		}
		var v any
		if json.Unmarshal(r.Body, &v) == nil {
			walkJSON(v, func(k, s string) {
				switch k {
				case "codeVerifier", "code", "password", "refreshToken", "sessionToken", "stateToken":
					out[s] = k
				}
			})
		}
		if r.Endpoint == wixtest.EndpointLoginPage && r.Method == http.MethodPost {
			if f, err := url.ParseQuery(string(r.Body)); err == nil && f.Get("password") != "" {
				out[f.Get("password")] = "password"
			}
		}
	}
	e.mu.Lock()
	for k, v := range e.issued {
		out[k] = v
	}
	e.mu.Unlock()
	for _, s := range extra {
		out[s] = "test secret"
	}
	out[e.wix.APIKey] = "API key"
	out[wixtest.DemoPassword] = "password"
	for k := range out {
		if len(k) < 8 { // verification codes and the like: too short to search for
			delete(out, k)
		}
	}
	return out
}

// assertNoLeaks checks the logs and every answer of the app for secrets.
func (e *env) assertNoLeaks(extra ...string) {
	e.t.Helper()
	sec := e.secrets(extra...)
	if len(sec) < 3 {
		e.t.Fatalf("only %d secrets collected: the leak check would prove nothing", len(sec))
	}
	logs := e.logs.String()
	e.mu.Lock()
	out := append([]exchange(nil), e.appOut...)
	e.mu.Unlock()
	// Session cookies belong in Set-Cookie, and nowhere in the logs.
	for _, x := range out {
		for _, c := range (&http.Response{Header: x.header}).Cookies() {
			if c.Value != "" && strings.Contains(logs, c.Value) {
				e.t.Errorf("a session token appears in the logs")
			}
		}
	}
	for s, what := range sec {
		if strings.Contains(logs, s) {
			e.t.Errorf("a %s appears in the logs", what)
		}
		for _, x := range out {
			var hdr strings.Builder
			x.header.Write(&hdr)
			if strings.Contains(x.body, s) || strings.Contains(hdr.String(), s) {
				e.t.Errorf("a %s appears in the answer to %s %s", what, x.method, x.path)
			}
		}
	}
}

// requests returns the fake's log for one endpoint.
func (e *env) requests(ep wixtest.Endpoint) []wixtest.Request {
	var out []wixtest.Request
	for _, r := range e.wix.Requests() {
		if r.Endpoint == ep {
			out = append(out, r)
		}
	}
	return out
}

func (e *env) tokenRequests(grant string) []wixtest.Request {
	var out []wixtest.Request
	for _, r := range e.requests(wixtest.EndpointToken) {
		if r.Grant == grant {
			out = append(out, r)
		}
	}
	return out
}

func walkJSON(v any, fn func(key, value string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok {
				fn(k, s)
			} else {
				walkJSON(x, fn)
			}
		}
	case []any:
		for _, x := range v {
			walkJSON(x, fn)
		}
	}
}

// browser is one browser of the app (internal/testbrowser).
type browser struct {
	*testbrowser.Browser
	e *env
}

func (e *env) browser() *browser {
	return &browser{Browser: testbrowser.New(e.t, e.app, nil), e: e}
}

// page is where a browser ended up.
type page = testbrowser.Page

func (b *browser) get(target string) page {
	b.e.t.Helper()
	return b.Get(target)
}

// post sends a form as a page of the app would (same-origin fetch metadata).
func (b *browser) post(target string, form url.Values) page {
	b.e.t.Helper()
	return b.Post(target, form, b.e.app)
}

func (b *browser) formRequest(target string, form url.Values) *http.Request {
	b.e.t.Helper()
	return b.FormRequest(target, form, b.e.app)
}

// postJSON sends a JSON body to the app and decodes the JSON answer.
func (b *browser) postJSON(target string, in any) (int, handlersResult) {
	b.e.t.Helper()
	p := b.PostJSON(target, in)
	var res handlersResult
	if err := json.Unmarshal([]byte(p.Body), &res); err != nil {
		b.e.t.Fatalf("POST %s: answer %d is not JSON: %q", target, p.StatusCode, p.Body)
	}
	return p.StatusCode, res
}

// handlersResult is handlers.Result as it arrives in JSON.
type handlersResult struct {
	Flow      string `json:"flow"`
	State     string `json:"state"`
	ErrorCode string `json:"errorCode"`
	Error     string `json:"error"`
	Redirect  string `json:"redirect"`
}

func (b *browser) raw(req *http.Request) *http.Response {
	b.e.t.Helper()
	return b.Raw(req)
}

func (b *browser) rawGet(target string) *http.Response {
	b.e.t.Helper()
	return b.RawGet(target)
}

// session returns the browser's session cookie value for the app.
func (b *browser) session() string {
	if c := b.Cookie(cookieName); c != nil {
		return c.Value
	}
	return ""
}

// stored returns the bytes the store holds for the browser's session.
func (b *browser) stored() []byte {
	v, _, _ := b.e.store.Store.Find(session.Key(b.session()))
	return v
}

// role asks the app who the browser is.
func (b *browser) role() string {
	b.e.t.Helper()
	p := b.get("/whoami")
	role, _, _ := strings.Cut(p.Body, " ")
	return role
}

// tokens returns the browser's session tokens, as the app sees them.
func (b *browser) tokens() wixauth.Tokens {
	b.e.t.Helper()
	b.get("/whoami")
	b.e.mu.Lock()
	defer b.e.mu.Unlock()
	return b.e.lastSeen
}

func (b *browser) clearHops()          { b.ClearHops() }
func (b *browser) hopList() []*url.URL { return b.Hops() }

var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// hostedLogin starts the hosted login, fills in the fake's login form and
// follows Wix's redirect back through the callback.
func (b *browser) hostedLogin(returnTo, email, password string) page {
	b.e.t.Helper()
	start := "/auth/login"
	if returnTo != "" {
		start += "?returnTo=" + url.QueryEscape(returnTo)
	}
	p := b.get(start)
	if p.StatusCode != http.StatusOK || !strings.HasPrefix(p.URL().String(), b.e.wix.URL) {
		b.e.t.Fatalf("GET %s ended at %s with %d, want Wix's login page", start, p.URL(), p.StatusCode)
	}
	m := formAction.FindStringSubmatch(p.Body)
	if m == nil {
		b.e.t.Fatalf("no login form on Wix's page: %s", p.Body)
	}
	b.clearHops()
	return b.post(html.UnescapeString(m[1]), url.Values{"email": {email}, "password": {password}})
}

// startLogin begins a hosted login without following it and returns
// Wix's fullUrl.
func (b *browser) startLogin(returnTo string) string {
	b.e.t.Helper()
	target := "/auth/login"
	if returnTo != "" {
		target += "?returnTo=" + url.QueryEscape(returnTo)
	}
	resp := b.rawGet(target)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, b.e.wix.URL+"/") {
		b.e.t.Fatalf("GET %s: %d to %q, want 303 to Wix", target, resp.StatusCode, loc)
	}
	return loc
}

// callbackURL follows Wix's page (auto-login) up to, not into, the
// callback, and returns the callback URL Wix sent the browser to.
func (b *browser) callbackURL(fullURL string) string {
	b.e.t.Helper()
	resp := b.rawGet(fullURL)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, b.e.app+"/auth/callback?") {
		b.e.t.Fatalf("Wix's page: %d to %q, want 302 to the callback", resp.StatusCode, loc)
	}
	return loc
}

// countingStore counts what reaches the session store.
type countingStore struct {
	scs.Store
	commits atomic.Int64
}

func (s *countingStore) Commit(token string, b []byte, expiry time.Time) error {
	s.commits.Add(1)
	return s.Store.Commit(token, b, expiry)
}

// captureWriter keeps a copy of an answer.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *captureWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// jsonBody decodes a request body the fake received.
func jsonBody(t *testing.T, r wixtest.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %q", r.Method, r.Path, r.Body)
	}
	return m
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
