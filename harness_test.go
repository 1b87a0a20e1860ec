package wixauth_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"errors"
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
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/wixtest"
)

// countingStore counts what reaches the session store: reads, writes of
// sessions, and retirements (tombstones written).
type countingStore struct {
	session.AtomicStore
	finds, commits, deletes atomic.Int64
	failWrites              atomic.Bool // every write fails, as a store that is down
}

func newCountingStore() *countingStore {
	return &countingStore{AtomicStore: session.LockedStore(memstore.New())}
}

func (s *countingStore) FindCtx(ctx context.Context, key string) ([]byte, bool, error) {
	s.finds.Add(1)
	return s.AtomicStore.FindCtx(ctx, key)
}

// write counts one write of b (a tombstone is a delete), or fails it.
func (s *countingStore) write(b []byte) error {
	if s.failWrites.Load() {
		return errors.New("store down")
	}
	if len(b) > 0 && b[0] == session.TombstoneByte {
		s.deletes.Add(1)
	} else {
		s.commits.Add(1)
	}
	return nil
}

func (s *countingStore) CommitIf(ctx context.Context, key string, b []byte, expiry time.Time, cond session.CommitCondition) (bool, error) {
	if err := s.write(b); err != nil {
		return false, err
	}
	return s.AtomicStore.CommitIf(ctx, key, b, expiry, cond)
}

func (s *countingStore) CommitRetiring(ctx context.Context, key string, b []byte, expiry time.Time, cond session.CommitCondition, r session.Retire) (bool, error) {
	if err := s.write(b); err != nil {
		return false, err
	}
	s.deletes.Add(int64(len(r.Keys)))
	return s.AtomicStore.CommitRetiring(ctx, key, b, expiry, cond, r)
}

// raw returns what the store holds for the session of cookie, uncounted.
func (s *countingStore) raw(cookie string) []byte {
	b, _, _ := s.AtomicStore.FindCtx(context.Background(), keyOf(cookie))
	return b
}

// put replaces what the store holds for the session of cookie, uncounted.
func (s *countingStore) put(cookie string, b []byte) {
	s.AtomicStore.CommitCtx(context.Background(), keyOf(cookie), b, time.Now().Add(time.Hour))
}

// keyOf is the store key of a session cookie: its SHA-256 in base64url,
// as scs's HashTokenInStore makes it.
func keyOf(cookie string) string { return session.Key(cookie) }

// storedValues decodes the session of cookie as stored, opening it with
// key (nil: stored in the clear) exactly as the format says: AES-256-GCM,
// a 12-byte nonce, the store key as additional data.
func (h *harness) storedValues(cookie string, key []byte) map[string]interface{} {
	h.t.Helper()
	raw := h.store.raw(cookie)
	data := raw
	if key == nil {
		data = codecBytes(h.t, raw)
	} else {
		block, _ := aes.NewCipher(key)
		aead, _ := cipher.NewGCM(block)
		if len(raw) < 13 || raw[0] != 0xB2 {
			h.t.Fatalf("the stored value is not sealed: % x", raw[:min(len(raw), 8)])
		}
		var err error
		if data, err = aead.Open(nil, raw[1:13], raw[13:], []byte(keyOf(cookie))); err != nil {
			h.t.Fatalf("the stored value does not open under its key: %v", err)
		}
	}
	_, values, err := h.sm.Codec.Decode(data)
	if err != nil {
		h.t.Fatal(err)
	}
	// The token record as it was put: a []byte (session.Codec hands it
	// back as a session.Record, which gob cannot encode unregistered).
	for k, v := range values {
		if r, ok := v.(session.Record); ok {
			values[k] = []byte(r)
		}
	}
	return values
}

// codecBytes strips the session store's frame from a value in the clear.
func codecBytes(t testing.TB, raw []byte) []byte {
	t.Helper()
	if len(raw) == 0 || raw[0] != 0xB1 {
		t.Fatalf("the stored value is not a session in the clear: % x", raw[:min(len(raw), 8)])
	}
	return raw[1:]
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

// newHarnessWith is newHarness with the session manager's options tuned
// too (keys, say); the store is always the counting one.
func newHarnessWith(t *testing.T, sessionOpts func(*session.Options), tune func(*wixauth.Config), handler http.HandlerFunc) *harness {
	t.Helper()
	return newHarnessOf(t, nil, sessionOpts, tune, handler)
}

// newHarnessWix is newHarness with options for the fake Wix.
func newHarnessWix(t *testing.T, wixOpts []wixtest.Option, tune func(*wixauth.Config), handler http.HandlerFunc) *harness {
	t.Helper()
	return newHarnessOf(t, wixOpts, nil, tune, handler)
}

func newHarnessOf(t *testing.T, wixOpts []wixtest.Option, sessionOpts func(*session.Options), tune func(*wixauth.Config), handler http.HandlerFunc) *harness {
	t.Helper()
	h := &harness{t: t, wix: wixtest.NewServer(wixOpts...)}
	t.Cleanup(h.wix.Close)
	h.store = newCountingStore()
	opts := session.Options{Store: h.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if sessionOpts != nil {
		sessionOpts(&opts)
	}
	sm, err := session.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.sm = sm
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
	io.WriteString(w, string(c.Tokens().Role()))
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

// signInDemo logs the demo member in on r's session, as the callback
// handler does after the code exchange.
func signInDemo(t *testing.T, wix *wixtest.Server, r *http.Request) {
	access, refresh := wix.IssueMemberTokens(wixtest.DemoEmail)
	if err := wixauth.FromRequest(r).SignIn(r.Context(), wixauth.Tokens{
		AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: time.Now().Add(4 * time.Hour).Unix()},
		RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember},
	}); err != nil {
		t.Error(err)
	}
}
