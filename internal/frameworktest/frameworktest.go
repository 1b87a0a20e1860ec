// Package frameworktest checks that wixauth leaves a web framework's own
// error responses alone: the framework modules (frameworks/echo,
// frameworks/gin, frameworks/chi) build the same small app with their
// router and error handler, and Run drives it against the fake Wix.
package frameworktest

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2/memstore"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// Marker starts every body the app's own error handler writes, so that a
// test can tell it from a body written by wixauth or net/http.
const Marker = "app error handler:"

// Build returns the app under test, with auth's middleware in it. The app
// serves, with its framework's own error handler writing
// Marker + " <status>" for every error:
//
//	GET /ok        200, body "ok" (the handler writes)
//	GET /conflict  the handler returns the framework's 409 error and writes nothing
//	GET /boom      the handler returns a plain error: the framework's 500
//	other paths    the framework's 404
type Build func(auth *wixauth.Auth) http.Handler

// Run checks the app Build makes: the handler's own error codes survive,
// the session cookie is set when tokens are minted (and the session found
// again), and a session store that fails yields 503.
func Run(t *testing.T, build Build) {
	t.Helper()
	run(t, build, false)
}

// RunWithLoadAndSave is Run for an app that also puts the session manager's
// LoadAndSave inside the middleware, under a framework that writes its
// error after the chain returned: scs's LoadAndSave saves the session when
// the handler returns and again at that late write, so the new visitor's
// one cookie may be set twice, with the same value.
func RunWithLoadAndSave(t *testing.T, build Build) {
	t.Helper()
	run(t, build, true)
}

func run(t *testing.T, build Build, twice bool) {
	t.Helper()
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/conflict", http.StatusConflict},
		{"/no-such-route", http.StatusNotFound},
		{"/boom", http.StatusInternalServerError},
		{"/ok", http.StatusOK},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			app := start(t, build)
			for i := range 2 {
				code, body, set := app.get(t, tc.path)
				cookies := len(set)
				if twice && cookies == 2 && set[0] == set[1] {
					cookies = 1
				}
				if code != tc.code {
					t.Fatalf("request %d: status %d (%q), want the app's %d", i, code, body, tc.code)
				}
				if tc.code != http.StatusOK && body != Marker+" "+strconv.Itoa(tc.code) {
					t.Fatalf("request %d: body %q, want the app's error handler's", i, body)
				}
				switch {
				case i == 0 && cookies != 1:
					t.Fatalf("new visitor: %d session cookies, want one (its new tokens saved)", cookies)
				case i == 1 && cookies != 0:
					t.Fatalf("returning visitor: %d session cookies, want none (session unchanged)", cookies)
				}
			}
			if n := app.wix.TokenCalls(""); n != 1 {
				t.Fatalf("%d token calls for two requests of one visitor, want 1 (the session was not found again)", n)
			}
		})
	}
	t.Run("store down", func(t *testing.T) {
		app := start(t, build)
		app.store.fail.Store(true)
		for _, path := range []string{"/conflict", "/no-such-route", "/ok"} {
			code, body, set := app.get(t, path)
			if code != http.StatusServiceUnavailable {
				t.Fatalf("%s: status %d (%q), want 503 for a session store that fails", path, code, body)
			}
			if strings.Contains(body, Marker) || body == "ok" {
				t.Fatalf("%s: body %q mixes the app's response into the 503", path, body)
			}
			if len(set) != 0 {
				t.Fatalf("%s: session cookie set for a session the store lost", path)
			}
		}
	})
}

type app struct {
	wix    *wixtest.Server
	store  *failingStore
	url    string
	client *http.Client
	cookie string
}

func start(t *testing.T, build Build) *app {
	t.Helper()
	wix := wixtest.NewServer()
	t.Cleanup(wix.Close)
	st := &failingStore{MemStore: memstore.New()}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	auth, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Store: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(build(auth))
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &app{wix: wix, store: st, url: srv.URL, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}, cookie: auth.Config().Sessions.Cookie.Name}
}

// get returns the status, the body and the values of the session cookies
// set.
func (a *app) get(t *testing.T, path string) (int, string, []string) {
	t.Helper()
	resp, err := a.client.Get(a.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var set []string
	for _, c := range resp.Cookies() {
		if c.Name == a.cookie {
			set = append(set, c.Value)
		}
	}
	return resp.StatusCode, strings.TrimSpace(string(b)), set
}

// failingStore is an in-memory store whose writes fail while fail is set,
// as Redis being down.
type failingStore struct {
	*memstore.MemStore
	fail atomic.Bool
}

func (s *failingStore) Commit(token string, b []byte, expiry time.Time) error {
	if s.fail.Load() {
		return errors.New("store down")
	}
	return s.MemStore.Commit(token, b, expiry)
}

func (s *failingStore) Find(token string) ([]byte, bool, error) {
	if s.fail.Load() {
		return nil, false, errors.New("store down")
	}
	return s.MemStore.Find(token)
}
