package wixauth_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// countingStore counts what reaches the session store.
type countingStore struct {
	scs.Store
	finds, commits, deletes atomic.Int64
}

func (s *countingStore) Find(token string) ([]byte, bool, error) {
	s.finds.Add(1)
	return s.Store.Find(token)
}

func (s *countingStore) Commit(token string, b []byte, expiry time.Time) error {
	s.commits.Add(1)
	return s.Store.Commit(token, b, expiry)
}

func (s *countingStore) Delete(token string) error {
	s.deletes.Add(1)
	return s.Store.Delete(token)
}

// harness is an app behind the middleware, a fake Wix, and a browser.
type harness struct {
	t     *testing.T
	wix   *wixtest.Server
	auth  *wixauth.Auth
	store *countingStore
	sm    *scs.SessionManager
	app   *httptest.Server
	jar   http.CookieJar
	http  *http.Client

	mu   sync.Mutex
	seen []wixauth.Tokens // tokens the handler saw, in order
}

// newHarness serves handler (nil: one that reports the tokens it sees) at
// /, and a /seed route that puts tokens in the session. tune may change the
// config before New.
func newHarness(t *testing.T, tune func(*wixauth.Config), handler http.HandlerFunc) *harness {
	t.Helper()
	return newHarnessWith(t, nil, tune, handler)
}

// newHarnessWith is newHarness with options for the fake Wix.
func newHarnessWith(t *testing.T, wixOpts []wixtest.Option, tune func(*wixauth.Config), handler http.HandlerFunc) *harness {
	t.Helper()
	h := &harness{t: t, wix: wixtest.NewServer(wixOpts...)}
	t.Cleanup(h.wix.Close)
	h.store = &countingStore{Store: memstore.New()}
	h.sm = scs.New()
	h.sm.Store = h.store
	cfg := wixauth.Config{
		ClientID: h.wix.ClientID,
		APIURL:   h.wix.URL,
		Sessions: h.sm,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if tune != nil {
		tune(&cfg)
	}
	a, err := wixauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.auth = a
	if handler == nil {
		handler = h.report
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", handler)
	mux.HandleFunc("/seed", func(w http.ResponseWriter, r *http.Request) {
		var tok wixauth.Tokens
		if err := json.NewDecoder(r.Body).Decode(&tok); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		wixauth.FromRequest(r).SetTokens(tok)
	})
	h.app = httptest.NewServer(a.Middleware(mux))
	t.Cleanup(h.app.Close)
	h.jar, _ = cookiejar.New(nil)
	h.http = &http.Client{Jar: h.jar, Timeout: 10 * time.Second}
	return h
}

// report answers with the role it sees and records the tokens.
func (h *harness) report(w http.ResponseWriter, r *http.Request) {
	c := wixauth.FromRequest(r)
	h.mu.Lock()
	h.seen = append(h.seen, c.Tokens())
	h.mu.Unlock()
	io.WriteString(w, string(c.Role()))
}

func (h *harness) lastSeen() wixauth.Tokens {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.seen) == 0 {
		h.t.Fatal("the handler saw no request")
	}
	return h.seen[len(h.seen)-1]
}

// get requests path with the harness's browser and returns status and body.
func (h *harness) get(path string) (int, string) {
	h.t.Helper()
	resp, err := h.http.Get(h.app.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// seed puts tok in the browser's session and clears the fake's counters
// and the store's, so that a test counts only what follows.
func (h *harness) seed(tok wixauth.Tokens) {
	h.t.Helper()
	b, _ := json.Marshal(tok)
	resp, err := h.http.Post(h.app.URL+"/seed", "application/json", bytes.NewReader(b))
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		h.t.Fatalf("seed: status %d", resp.StatusCode)
	}
	h.resetCounts()
}

func (h *harness) resetCounts() {
	h.wix.ResetCounters()
	h.store.finds.Store(0)
	h.store.commits.Store(0)
	h.store.deletes.Store(0)
}

// visitorTokens are fresh visitor tokens from the fake, expiring at exp.
func (h *harness) visitorTokens(exp time.Time) wixauth.Tokens {
	access, refresh := h.wix.IssueVisitorTokens()
	return wixauth.Tokens{
		AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: exp.Unix()},
		RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleVisitor},
	}
}

// memberTokens are fresh tokens of the demo member, expiring at exp.
func (h *harness) memberTokens(exp time.Time) wixauth.Tokens {
	access, refresh := h.wix.IssueMemberTokens(wixtest.DemoEmail)
	return wixauth.Tokens{
		AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: exp.Unix()},
		RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember},
	}
}
