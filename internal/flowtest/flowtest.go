// Package flowtest is the fixture of the tests of the flow packages
// (oauth, identity, redirects) and of the root's tests of them: code run
// with the Client of one browser's session, through the real middleware,
// against a fake Wix.
package flowtest

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"sync"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/testutil"
	"github.com/wixauth/wixauth/wixtest"
)

// Fixture runs code with the Client of one browser's session, through
// the real middleware, against a fake Wix.
type Fixture struct {
	t    *testing.T
	Wix  *wixtest.Server
	Auth *wixauth.Auth
	Logs *testutil.LockedBuffer
	// cookie is the browser's session cookie. It is kept by hand: the
	// https BaseURL makes it Secure, which a cookie jar would not send to
	// the plain-http test server.
	cookie string

	mu  sync.Mutex
	fn  func(*wixauth.Client, *http.Request)
	srv *httptest.Server
}

// NewFixture starts a fake Wix and an Auth with its middleware; tune
// changes the Config first.
func NewFixture(t *testing.T, tune func(*wixauth.Config)) *Fixture {
	t.Helper()
	return NewFixtureWith(t, tune)
}

// NewFixtureWith is NewFixture with options of the fake (its knobs).
func NewFixtureWith(t *testing.T, tune func(*wixauth.Config), opts ...wixtest.Option) *Fixture {
	t.Helper()
	// The callbacks the tests log in with are the OAuth app's allowed ones.
	wix := wixtest.NewServer(append([]wixtest.Option{wixtest.WithRedirectURIs("https://app.example/auth/callback", "https://app.example/cb")}, opts...)...)
	f := &Fixture{t: t, Wix: wix, Logs: &testutil.LockedBuffer{}}
	t.Cleanup(f.Wix.Close)
	cfg := wixauth.Config{
		ClientID: f.Wix.ClientID,
		APIURL:   f.Wix.URL,
		APIKey:   f.Wix.APIKey,
		BaseURL:  "https://app.example",
		Logger:   slog.New(slog.NewTextHandler(f.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if tune != nil {
		tune(&cfg)
	}
	a, err := wixauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.Auth = a
	f.srv = httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		fn := f.fn
		f.mu.Unlock()
		fn(wixauth.FromRequest(r), r)
	})))
	t.Cleanup(f.srv.Close)
	return f
}

// Run calls fn inside one request of the fixture's browser; the session
// keeps what fn saves, for the next run.
func (f *Fixture) Run(fn func(c *wixauth.Client, r *http.Request)) {
	f.t.Helper()
	f.mu.Lock()
	f.fn = fn
	f.mu.Unlock()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL, nil)
	if c := f.cookie; c != "" {
		req.AddCookie(&http.Cookie{Name: f.Auth.Config().Sessions.Cookie.Name, Value: c})
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		f.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == f.Auth.Config().Sessions.Cookie.Name {
			f.cookie = c.Value
		}
	}
}

// Requests are the calls the fake received at ep.
func (f *Fixture) Requests(ep wixtest.Endpoint) []wixtest.Request {
	var out []wixtest.Request
	for _, r := range f.Wix.Requests() {
		if r.Endpoint == ep {
			out = append(out, r)
		}
	}
	return out
}

// LastBody is the JSON body of the last call to ep.
func (f *Fixture) LastBody(ep wixtest.Endpoint) map[string]any {
	f.t.Helper()
	rs := f.Requests(ep)
	if len(rs) == 0 {
		f.t.Fatalf("no request to %s", ep)
	}
	var m map[string]any
	if err := json.Unmarshal(rs[len(rs)-1].Body, &m); err != nil {
		f.t.Fatalf("body of %s is not JSON: %q", ep, rs[len(rs)-1].Body)
	}
	return m
}

// FollowToCallback loads a Wix page (auto-login) and returns where Wix
// sends the browser back.
func (f *Fixture) FollowToCallback(fullURL string) *url.URL {
	f.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(fullURL)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	u, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		f.t.Fatalf("Wix's page: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return u
}

// SortedKeys are the keys of v, a JSON object, in order.
func SortedKeys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// LastGrant returns the last token call of that grant.
func (f *Fixture) LastGrant(grant string) (wixtest.Request, map[string]any) {
	f.t.Helper()
	var found *wixtest.Request
	for _, r := range f.Requests(wixtest.EndpointToken) {
		if r.Grant == grant {
			found = &r
		}
	}
	if found == nil {
		f.t.Fatalf("no %s grant", grant)
	}
	var body map[string]any
	if err := json.Unmarshal(found.Body, &body); err != nil {
		f.t.Fatalf("grant body is not JSON: %q", found.Body)
	}
	return *found, body
}
