package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/wixauth/wixauth/internal/testutil"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/wixauth/wixauth/internal/testbrowser"
	"github.com/wixauth/wixauth/wiring"
	"github.com/wixauth/wixauth/wixtest"
)

// testEnv is the app on an httptest server at http://localhost:<port>, in
// front of the embedded fake Wix at http://127.0.0.1:<other port>: two
// different sites, as the app and Wix are on the internet.
type testEnv struct {
	t      *testing.T
	fake   *wixtest.Server
	appURL string
	issued *issuedTokens          // every credential the fake handed out
	seen   *seenResponses         // every response any browser of the test got
	logs   *testutil.LockedBuffer // the app's logs
	store  string                 // SESSION_STORE of the app

	mu   sync.Mutex
	jars []http.CookieJar
}

func newEnv(t *testing.T) *testEnv { t.Helper(); return newEnvWithStore(t, "memory") }

// newEnvWithStore is newEnv with the session store of that SESSION_STORE URL.
func newEnvWithStore(t *testing.T, sessionStore string) *testEnv {
	t.Helper()
	issued := &issuedTokens{}
	fake, stopFake, err := wiring.StartFake(issued.wrap)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stopFake)

	e := &testEnv{t: t, fake: fake, issued: issued, seen: &seenResponses{}, logs: &testutil.LockedBuffer{}, store: sessionStore}
	e.appURL = e.startInstance()
	t.Cleanup(e.checkNoTokenLeaks) // runs first: cleanups run last-in first-out
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("app logs:\n%s", e.logs.String())
		}
	})
	return e
}

// startInstance starts one more instance of the app, with the same fake and
// session store, and returns its URL.
func (e *testEnv) startInstance() string {
	t := e.t
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	appURL := fmt.Sprintf("http://localhost:%d", ts.Listener.Addr().(*net.TCPAddr).Port)
	e.fake.AllowRedirectURI(appURL + "/auth/callback")
	h, cleanup, err := newApp(appConfig{
		Config: wiring.Config{
			BaseURL:      appURL,
			ClientID:     e.fake.ClientID,
			APIURL:       e.fake.URL,
			SessionStore: e.store,
			Logger:       slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		},
		DemoAccount: true,
	})
	if err != nil {
		ts.Close()
		t.Fatal(err)
	}
	ts.Config.Handler = h
	ts.Start()
	t.Cleanup(cleanup)
	t.Cleanup(ts.Close)
	return appURL
}

// browser is one browser (internal/testbrowser) whose every response is
// recorded for the leak check.
type browser struct {
	*testbrowser.Browser
	e *testEnv
}

func (e *testEnv) browser() *browser {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	e.t.Cleanup(tr.CloseIdleConnections)
	b := testbrowser.New(e.t, e.appURL, &recordingTransport{base: tr, seen: e.seen})
	e.mu.Lock()
	e.jars = append(e.jars, b.Jar)
	e.mu.Unlock()
	return &browser{Browser: b, e: e}
}

// noFollow returns a client with the same cookies that does not follow
// redirects.
func (b *browser) noFollow() *http.Client {
	c := *b.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// page is a response with its body read.
type page = testbrowser.Page

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	return b.Do(req)
}

// get loads a path of the app, or an absolute URL.
func (b *browser) get(target string) page {
	b.e.t.Helper()
	return b.Get(target)
}

// post submits a form as a browser does from a page of origin ("" for a
// client that sends no Origin, such as curl).
func (b *browser) post(target string, form url.Values, origin string) page {
	b.e.t.Helper()
	return b.Post(target, form, origin)
}

// session answers GET /api/session.
func (b *browser) session() sessionJSON {
	b.e.t.Helper()
	p := b.get("/api/session")
	if p.StatusCode != http.StatusOK {
		b.e.t.Fatalf("/api/session: %d %s", p.StatusCode, p.Body)
	}
	var s sessionJSON
	if err := json.Unmarshal([]byte(p.Body), &s); err != nil {
		b.e.t.Fatalf("/api/session: %v in %s", err, p.Body)
	}
	return s
}

// sessionCookie returns the app's session cookie in the jar, or nil.
func (b *browser) sessionCookie() *http.Cookie { return b.Cookie("wixauth_session") }

// loginWithPassword logs the demo member in through the app's form.
func (b *browser) loginWithPassword() page {
	b.e.t.Helper()
	p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}, "returnTo": {"/account"}}, b.e.appURL)
	b.e.wantPage(p, "/account", wixtest.DemoEmail)
	return p
}

// wantPage checks that p is a 200 page of the app at path that contains
// every one of want.
func (e *testEnv) wantPage(p page, path string, want ...string) {
	e.t.Helper()
	u := p.Request.URL
	if p.StatusCode != http.StatusOK || "http://"+u.Host != e.appURL || u.Path != path {
		e.t.Fatalf("ended on %d %s, want 200 %s%s; body:\n%s", p.StatusCode, u, e.appURL, path, p.Body)
	}
	text := html.UnescapeString(p.Body) // html/template writes "+" as "&#43;"
	for _, w := range want {
		if !strings.Contains(p.Body, w) && !strings.Contains(text, w) {
			e.t.Fatalf("%s does not show %q; body:\n%s", u, w, p.Body)
		}
	}
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	cancelLink = regexp.MustCompile(`id="wixtest-cancel" href="([^"]+)"`)
)

// attr extracts the first submatch of re from body, HTML-unescaped.
func attr(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no match for %s in:\n%s", re, body)
	}
	return html.UnescapeString(m[1])
}

// recordingTransport keeps a copy of every response.
type recordingTransport struct {
	base http.RoundTripper
	seen *seenResponses
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rt.seen.add(seenResponse{URL: req.URL.String(), Status: resp.StatusCode, Header: resp.Header.Clone(), Body: string(body)})
	return resp, nil
}

type seenResponse struct {
	URL    string
	Status int
	Header http.Header
	Body   string
}

type seenResponses struct {
	mu   sync.Mutex
	list []seenResponse
}

func (s *seenResponses) add(r seenResponse) {
	s.mu.Lock()
	s.list = append(s.list, r)
	s.mu.Unlock()
}

func (s *seenResponses) all() []seenResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenResponse(nil), s.list...)
}

// issuedTokens watches the fake's answers and keeps every credential in
// them: access and refresh tokens from the token endpoint, session and
// state tokens from the identity calls.
type issuedTokens struct {
	mu     sync.Mutex
	tokens map[string]bool
}

func (it *issuedTokens) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth2/token" && !strings.HasPrefix(r.URL.Path, "/_api/iam/") {
			next.ServeHTTP(w, r)
			return
		}
		cw := &copyWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		var body map[string]any
		if json.Unmarshal(cw.buf.Bytes(), &body) != nil {
			return
		}
		for _, k := range []string{"access_token", "refresh_token", "sessionToken", "stateToken"} {
			if s, ok := body[k].(string); ok && s != "" {
				it.add(s)
			}
		}
	})
}

func (it *issuedTokens) add(s string) {
	it.mu.Lock()
	if it.tokens == nil {
		it.tokens = map[string]bool{}
	}
	it.tokens[s] = true
	it.mu.Unlock()
}

func (it *issuedTokens) all() []string {
	it.mu.Lock()
	defer it.mu.Unlock()
	out := make([]string, 0, len(it.tokens))
	for s := range it.tokens {
		out = append(out, s)
	}
	return out
}

type copyWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *copyWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *copyWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// checkNoTokenLeaks fails the test if any response a browser got (body,
// headers, cookies), any cookie in a jar, or the app's logs hold a token
// that the fake issued or that the app sent to the fake.
func (e *testEnv) checkNoTokenLeaks() {
	t := e.t
	secrets := e.issued.all()
	for _, r := range e.fake.Requests() {
		if a := r.Header.Get("Authorization"); a != "" {
			for _, part := range strings.Split(a, ",") { // "<access token>,<API key>" for authorized_client
				if part != e.fake.APIKey {
					secrets = append(secrets, part)
				}
			}
		}
	}
	if e.fake.TokenCalls("") > 0 && len(secrets) == 0 {
		t.Error("leak check: the fake issued tokens but none were captured")
	}
	check := func(where, text string) {
		for _, s := range secrets {
			if len(s) >= 16 && strings.Contains(text, s) {
				t.Errorf("leak: %s contains a token issued by Wix (%.16s…)", where, s)
				return
			}
		}
		for _, marker := range []string{"OauthNG.JWS.", "JWS.eyJ"} {
			if strings.Contains(text, marker) {
				t.Errorf("leak: %s contains %q", where, marker)
				return
			}
		}
	}
	for _, r := range e.seen.all() {
		where := fmt.Sprintf("the %d response of %s", r.Status, r.URL)
		check(where+" (body)", r.Body)
		for k, vs := range r.Header {
			check(where+" (header "+k+")", strings.Join(vs, "\n"))
		}
	}
	e.mu.Lock()
	jars := append([]http.CookieJar(nil), e.jars...)
	e.mu.Unlock()
	for _, jar := range jars {
		for _, host := range []string{e.appURL, e.fake.URL} {
			u, _ := url.Parse(host)
			for _, c := range jar.Cookies(u) {
				check("the cookie "+c.Name+" of "+host, c.Value)
			}
		}
	}
	check("the app's logs", e.logs.String())
}
