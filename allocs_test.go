//go:build !race

package wixauth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// maxSteadyAllocs bounds the allocations of a steady request (a session
// with valid tokens, read by the handler) through the middleware with the
// default in-memory store. 6 of them are scs's (Load: its context value,
// the session data and two boxed context keys; Get and Status: one boxed
// key each), 3 the decoded session (map, its group, and the box of the
// token record, which is read in place), and 1 each the request state, the
// request copy and the store key. docs/performance.md says where each
// comes from.
const maxSteadyAllocs = 12

// A steady request allocates no more than it needs (the race detector
// allocates on its own, hence the build tag).
func TestSteadyRequestAllocations(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wixauth.FromRequest(r).Tokens().AccessToken.Value == "" {
			t.Error("no tokens")
		}
		w.Write(ok)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("first request: %d cookies, want the session's", len(cookies))
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(cookies[0])
	w := &discard{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		h.ServeHTTP(w, req)
	})
	if w.h.Get("Set-Cookie") != "" || wix.TokenCalls("") != 1 {
		t.Fatalf("not a steady request: Set-Cookie %q, %d token calls", w.h.Get("Set-Cookie"), wix.TokenCalls(""))
	}
	if allocs > maxSteadyAllocs {
		t.Errorf("a steady request allocates %v times, want at most %d", allocs, maxSteadyAllocs)
	}
}

var ok = []byte("ok")

// discard is a ResponseWriter that allocates nothing per request.
type discard struct{ h http.Header }

func (w *discard) Header() http.Header         { return w.h }
func (w *discard) WriteHeader(int)             {}
func (w *discard) Write(b []byte) (int, error) { return len(b), nil }
