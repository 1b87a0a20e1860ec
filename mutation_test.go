package wixauth_test

// Tests written to kill mutants of scripts/mutate (scripts/mutants.txt)
// that the suite let through: each names the mutant it kills.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/wixtest"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// failingCommits is a store whose saves fail, as Redis going down between
// the load and the save of a request.
type failingCommits struct{ scs.Store }

func (failingCommits) Commit(string, []byte, time.Time) error {
	return errors.New("connection refused")
}

// Mutant "store failure hidden": when the session cannot be saved, the
// browser gets the ErrorHandler's answer and nothing of the handler's,
// which was written for a session that does not exist.
func TestStoreFailureDiscardsTheHandlersAnswer(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	sm, err := session.New(session.Options{Store: failingCommits{memstore.New()}, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Sessions: sm, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "welcome, your cart is saved")
		io.WriteString(w, " (and more)")
	})))
	defer app.Close()
	resp, err := http.Get(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(body), "welcome") || strings.Contains(string(body), "more") {
		t.Errorf("session save failed: %d %q; want the 503 alone, nothing of the handler's answer", resp.StatusCode, body)
	}
	if c := resp.Header.Get("Set-Cookie"); c != "" {
		t.Errorf("session save failed, yet a cookie was set: %s", c)
	}
}

// Mutant "trailing bytes accepted": session data with anything after its
// last value is not what wixauth wrote, and is refused.
func TestCodecRefusesTrailingBytes(t *testing.T) {
	c := &session.Codec{}
	b, err := c.Encode(time.Now().Add(time.Hour), map[string]interface{}{"wixauth.tokens": []byte("record"), "n": 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Decode(b); err != nil {
		t.Fatalf("decoding what Encode wrote: %v", err)
	}
	for _, tail := range []string{"\x00", "x", "\x01\x02\x03"} {
		if _, v, err := c.Decode(append(append([]byte(nil), b...), tail...)); err == nil {
			t.Errorf("session data with %q appended decoded to %v, want an error", tail, v)
		}
	}
}

// tokenEndpoint answers the anonymous grant with a pair and the refresh
// grant with an access token only, as OAuth allows (RFC 6749 §6: the
// refresh token in the answer is optional) and as Wix's docs leave open.
func tokenEndpoint(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			GrantType string `json:"grantType"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		mu.Lock()
		n++
		access := "access-" + string(rune('0'+n))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch in.GrantType {
		case "anonymous":
			json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 14400, "refresh_token": "the-refresh-token"})
		case "refresh_token":
			json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 14400})
		default:
			http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Mutant "refresh token dropped on renewal": a renewal keeps the session's
// refresh token (Wix does not rotate it) even when the answer has none.
func TestRenewalKeepsTheRefreshToken(t *testing.T) {
	wix := tokenEndpoint(t)
	a, err := wixauth.New(wixauth.Config{ClientID: "client", APIURL: wix.URL, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	var got wixauth.Tokens
	var renewErr error
	app := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, renewErr = wixauth.FromRequest(r).RenewToken(r.Context())
	})))
	defer app.Close()
	resp, err := http.Get(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if renewErr != nil {
		t.Fatal(renewErr)
	}
	if got.RefreshToken.Value != "the-refresh-token" || got.RefreshToken.Role != wixauth.RoleVisitor || got.AccessToken.Value == "access-1" {
		t.Errorf("after a renewal answered without a refresh token: %+v; want a new access token and the same refresh token, role visitor", got)
	}
}

// Mutant "ready tokens never re-checked": a token made valid early in a
// request is checked again before a later call, so that a long request
// does not send an expired token.
func TestClientRechecksExpiryLaterInTheRequest(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Logger: quietLog(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	var first, later string
	var laterErr error
	app := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := wixauth.FromRequest(r)
		first = c.Tokens().AccessToken.Value
		mu.Lock()
		now = now.Add(5 * time.Hour) // past the token's 4 hours
		mu.Unlock()
		h, err := c.AuthHeaders(r.Context())
		laterErr = err
		if err == nil {
			later = h.Get("Authorization")
		}
	})))
	defer app.Close()
	resp, err := http.Get(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if laterErr != nil {
		t.Fatal(laterErr)
	}
	if first == "" || later == first {
		t.Errorf("the access token expired during the request, yet AuthHeaders sent it again (%.12q...)", later)
	}
	if n := wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("%d renewals, want 1", n)
	}
}

// Mutants "throwaway request spends a token call" and "marker under the
// unhashed key": after RenewSession, a request still carrying the old
// cookie is served without a session: it sets no cookie (which could
// replace the renewed one) and makes no token call, with sessions sealed
// or not (store keys are always hashed).
func TestOldCookieAfterRenewalIsServedQuietly(t *testing.T) {
	for _, hashed := range []bool{false, true} { // "hashed": sealed too
		wix := wixtest.NewServer()
		defer wix.Close()
		opts := session.Options{Logger: quietLog()}
		if hashed {
			opts.Keys = [][]byte{make([]byte, 32)}
		}
		sm, err := session.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Sessions: sm, Logger: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, string(wixauth.FromRequest(r).Tokens().Role()))
		})
		mux.HandleFunc("/renew", func(w http.ResponseWriter, r *http.Request) {
			if err := a.RenewSession(r.Context()); err != nil {
				http.Error(w, err.Error(), 500)
			}
		})
		app := httptest.NewServer(a.Middleware(mux))
		defer app.Close()

		get := func(path, cookie string) *http.Response {
			req, _ := http.NewRequestWithContext(context.Background(), "GET", app.URL+path, nil)
			if cookie != "" {
				req.Header.Set("Cookie", cookie)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		old := get("/", "").Cookies()
		if len(old) != 1 {
			t.Fatalf("hashed=%v: the first request set %d cookies, want 1", hashed, len(old))
		}
		oldCookie := old[0].Name + "=" + old[0].Value
		if resp := get("/renew", oldCookie); resp.StatusCode != 200 || len(resp.Cookies()) != 1 {
			t.Fatalf("hashed=%v: renewal: %d with %d cookies", hashed, resp.StatusCode, len(resp.Cookies()))
		}
		calls := wix.TokenCalls("")
		resp := get("/", oldCookie)
		if resp.StatusCode != 200 || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("hashed=%v: a request with the old cookie answered %d and set %q; want 200 and no cookie", hashed, resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
		if n := wix.TokenCalls("") - calls; n != 0 {
			t.Errorf("hashed=%v: a request with the old cookie made %d token calls, want 0", hashed, n)
		}
	}
}

// memCoordinator is a Coordinator in memory, as one Redis shared by the
// instances would be.
type memCoordinator struct {
	mu        sync.Mutex
	leases    map[string]bool
	results   map[string][]byte
	publishes int
}

func (c *memCoordinator) Claim(_ context.Context, key string, _ time.Duration) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.leases[key] {
		return false, nil
	}
	c.leases[key] = true
	return true, nil
}

func (c *memCoordinator) Publish(_ context.Context, key string, value []byte, _ time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.results[key] = value
	delete(c.leases, key)
	c.publishes++
	return nil
}

func (c *memCoordinator) Result(_ context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.results[key]
	return v, ok, nil
}

func (c *memCoordinator) Release(_ context.Context, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.leases, key)
	return nil
}

// Mutants "result not published" and "stale published result used": the
// instance that renews publishes its result for the others, and a
// published result that itself needs renewal is not taken.
func TestCoordinatorPublishesAndRefusesStaleResults(t *testing.T) {
	// Tokens of a minute, and a clock moved past half of it before each
	// request: each request renews, and every published result is already
	// due for the next one. (A token is never due at once: the margin is
	// at most half its lifetime.)
	wix := wixtest.NewServer(wixtest.WithAccessTokenLifetime(time.Minute))
	defer wix.Close()
	co := &memCoordinator{leases: map[string]bool{}, results: map[string][]byte{}}
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Coordinator: co, Logger: quietLog(), Now: wix.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	app := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, wixauth.FromRequest(r).Tokens().AccessToken.Value)
	})))
	defer app.Close()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for range 3 { // a new visitor, then two renewals
		wix.Advance(31 * time.Second)
		resp, err := browser.Get(app.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if co.publishes != 2 {
		t.Errorf("%d renewal results published, want 2 (one per renewal)", co.publishes)
	}
	if n := wix.TokenCalls("refresh_token"); n != 2 || seen[2] == seen[1] {
		t.Errorf("%d renewals, and the third request saw the second's token again: %v; a published result that needs renewal itself must not be taken", n, seen[2] == seen[1])
	}
}
