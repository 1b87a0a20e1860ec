package wixauth_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// elsewhere is a server that records what reaches it.
type elsewhere struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // method path, Authorization, body
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.seen = append(e.seen, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization")+" body="+string(b))
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *elsewhere) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

// Token grants and API calls never follow a redirect to another origin
// (issue #20, finding 6). Go's client follows a 307 or 308 with the body
// (a refresh token) to any host, and forwards Authorization (an access
// token) to the same host name on another port. Wix's answers here
// redirect to 127.0.0.1 on another port (same host name) and to
// "localhost" (another host): nothing reaches either, and the call fails
// with an error that names the redirect. The near miss, a redirect within
// the API's own origin, is still followed.
func TestNoRedirectToAnotherOrigin(t *testing.T) {
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, target := range []string{"port", "host"} {
			t.Run(http.StatusText(status)+"/"+target, func(t *testing.T) {
				evil := newElsewhere(t)
				to := evil.URL
				if target == "host" {
					to = strings.Replace(to, "127.0.0.1", "localhost", 1)
				}
				fake := wixtest.NewUnstartedServer()
				var redirect atomic.Bool
				front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if redirect.Load() {
						switch r.URL.Path {
						case "/hop": // within the API's origin
							http.Redirect(w, r, "/ecom/v1/carts/current", status)
							return
						case "/ecom/v1/carts/current":
							fake.Handler().ServeHTTP(w, r)
							return
						}
						http.Redirect(w, r, to+r.URL.Path, status)
						return
					}
					fake.Handler().ServeHTTP(w, r)
				}))
				defer front.Close()
				fake.SetURL(front.URL)
				defer fake.Close()
				caller := &http.Client{}
				a, err := wixauth.New(wixauth.Config{ClientID: fake.ClientID, APIURL: fake.URL, HTTPClient: caller})
				if err != nil {
					t.Fatal(err)
				}
				if caller.CheckRedirect != nil {
					t.Errorf("New changed the caller's http.Client")
				}
				ctx := context.Background()
				c := a.NewClient(wixauth.Tokens{}, nil)
				if err := c.Ensure(ctx); err != nil {
					t.Fatal(err)
				}
				redirect.Store(true)
				if _, err := c.RenewToken(ctx); err == nil || !strings.Contains(err.Error(), "another origin") {
					t.Errorf("a refresh grant redirected to %s: err = %v, want the redirect refused", target, err)
				}
				var out map[string]any
				if err := c.Get(ctx, "/members/v1/members/my", &out); err == nil || !strings.Contains(err.Error(), "another origin") {
					t.Errorf("an API call redirected to %s: err = %v, want the redirect refused", target, err)
				}
				if err := c.Get(ctx, "/hop", &out); err != nil && strings.Contains(err.Error(), "another origin") {
					t.Errorf("a redirect within the API's origin was refused: %v", err)
				}
				if got := evil.requests(); len(got) != 0 {
					t.Errorf("reached the other origin: %q", got)
				}
			})
		}
	}
}
