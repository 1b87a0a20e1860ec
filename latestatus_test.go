package wixauth_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wixauth/wixauth"
)

// lateStatus serves mw(handler) the way echo's WrapMiddleware and gin do: the
// handler writes nothing and fails, and the framework writes its error
// response once the middleware chain has returned, through the writer the
// handler got (inner) or the server's own (outer). code 0: nothing writes.
func lateStatus(mw func(http.Handler) http.Handler, code int, inner bool, handler http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := w
		mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			handler(w, r)
			if inner {
				out = w
			}
		})).ServeHTTP(w, r)
		if code != 0 {
			http.Error(out, "framework says "+http.StatusText(code), code)
		}
	})
}

// sessionCookies returns the Set-Cookie headers of the session cookie.
func sessionCookies(resp *http.Response, name string) []string {
	var out []string
	for _, v := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, name+"=") {
			out = append(out, v)
		}
	}
	return out
}

// A handler that writes nothing leaves the status to what writes after the
// middleware: the framework's error (409, 404) reaches the browser, the
// session minted for it is saved and its cookie set, and the next request
// finds the same tokens. Before, the middleware wrote 200 for the handler.
func TestStatusWrittenAfterTheChainSurvives(t *testing.T) {
	for _, tc := range []struct {
		name  string
		code  int
		inner bool
	}{
		{"409 through the handler's writer", http.StatusConflict, true},
		{"404 through the handler's writer", http.StatusNotFound, true},
		{"500 through the server's writer", http.StatusInternalServerError, false},
		{"nothing writes: net/http's 200", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil, nil)
			var mu sync.Mutex
			var seen []wixauth.Tokens
			app := httptest.NewServer(lateStatus(h.auth.Middleware, tc.code, tc.inner, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, wixauth.FromRequest(r).Tokens())
				mu.Unlock()
			}))
			t.Cleanup(app.Close)
			want := tc.code
			if want == 0 {
				want = http.StatusOK
			}
			for i := range 2 {
				resp, err := h.http.Get(app.URL + "/x")
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Fatalf("request %d: status %d (%q), want the framework's %d", i, resp.StatusCode, body, want)
				}
				if tc.code != 0 && !strings.Contains(string(body), "framework says") {
					t.Fatalf("request %d: body %q, want the framework's", i, body)
				}
				cookies := sessionCookies(resp, h.sm.Cookie.Name)
				if i == 0 && len(cookies) != 1 {
					t.Fatalf("new visitor: session cookies %q, want one", cookies)
				}
				if i == 1 && len(cookies) != 0 {
					t.Fatalf("returning visitor: session cookies %q, want none (unchanged session)", cookies)
				}
			}
			if len(seen) != 2 || seen[0].AccessToken.Value == "" || seen[1] != seen[0] {
				t.Fatalf("tokens seen %+v: want the first request's tokens saved and found again", seen)
			}
			if n := h.store.commits.Load(); n != 1 {
				t.Fatalf("%d session writes, want 1", n)
			}
		})
	}
}

// A store that fails while saving after the handler wrote nothing still
// answers the ErrorHandler's 503, and what the framework writes afterwards
// through the handler's writer is dropped, not mixed into it.
func TestStoreFailureAfterSilentHandlerIs503(t *testing.T) {
	for _, inner := range []bool{true, false} {
		h := newHarness(t, nil, nil)
		h.store.failWrites.Store(true)
		app := httptest.NewServer(lateStatus(h.auth.Middleware, http.StatusConflict, inner, func(http.ResponseWriter, *http.Request) {}))
		t.Cleanup(app.Close)
		resp, err := h.http.Get(app.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("inner=%v: status %d (%q), want 503 for the failed save", inner, resp.StatusCode, body)
		}
		// A late write to the server's own writer cannot be stopped; one
		// through the handler's writer is dropped.
		if inner && strings.Contains(string(body), "framework says") {
			t.Fatalf("inner=%v: body %q mixes the framework's error into the 503", inner, body)
		}
		if c := sessionCookies(resp, h.sm.Cookie.Name); len(c) != 0 {
			t.Fatalf("inner=%v: session cookie %q set for a session the store lost", inner, c)
		}
	}
}

// One "Vary: Cookie", also when the app's LoadAndSave runs inside the
// middleware and adds its own.
func TestOneVaryCookie(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write bool
		scs   bool
	}{
		{"middleware alone, handler writes", true, false},
		{"middleware alone, handler silent", false, false},
		{"LoadAndSave inside, handler writes", true, true},
		{"LoadAndSave inside, handler silent", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil, nil)
			var next http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.write {
					io.WriteString(w, "ok")
				}
			})
			if tc.scs {
				next = h.sm.LoadAndSave(next)
			}
			app := httptest.NewServer(h.auth.Middleware(next))
			t.Cleanup(app.Close)
			resp, err := h.http.Get(app.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if v := resp.Header.Values("Vary"); len(v) != 1 || v[0] != "Cookie" {
				t.Fatalf("Vary headers %q, want one \"Cookie\"", v)
			}
			if c := sessionCookies(resp, h.sm.Cookie.Name); len(c) != 1 {
				t.Fatalf("session cookies %q, want one", c)
			}
		})
	}
}
