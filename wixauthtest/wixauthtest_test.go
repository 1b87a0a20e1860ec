package wixauthtest_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/ecom"
	"github.com/wixauth/wixauth/members"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/wixauthtest"
	"github.com/wixauth/wixauth/wixtest"
)

// cartHandler is a handler of the app under test.
func cartHandler(w http.ResponseWriter, r *http.Request) {
	cart, err := ecom.CurrentCart(r.Context(), wixauth.FromRequest(r))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	fmt.Fprintf(w, "%s %d", wixauth.FromRequest(r).Tokens().Role(), cart.Count())
}

// Advancing the shared clock past the access token's lifetime shows up as
// expiry: the middleware renews before the handler runs, and Wix never
// sees an expired token (no 401 anywhere).
func TestSharedClockExpiry(t *testing.T) {
	e := wixauthtest.New(t)
	s := e.Visitor(t)
	before := s.Tokens(t)
	e.Advance(5 * time.Hour)
	w := e.Serve(http.HandlerFunc(cartHandler), s.NewRequest(http.MethodGet, "/cart", nil))
	if w.Code != http.StatusOK || w.Body.String() != "visitor 0" {
		t.Fatalf("after 5 hours: %d %q", w.Code, w.Body)
	}
	if n := e.Wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("%d renewals, want 1", n)
	}
	for _, r := range e.Wix.Requests() {
		if r.Status == http.StatusUnauthorized {
			t.Errorf("Wix answered 401 to %s %s: the clocks are not shared", r.Method, r.Path)
		}
	}
	after := s.Tokens(t)
	if after.AccessToken == before.AccessToken || after.RefreshToken != before.RefreshToken {
		t.Errorf("the session was not renewed in place: %v -> %v", before.Expiry(), after.Expiry())
	}
}

// A member session in one call: the handler sees a member, and Wix knows
// which one.
func TestMemberSession(t *testing.T) {
	e := wixauthtest.New(t)
	s := e.Member(t, wixtest.DemoEmail)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := members.Current(r.Context(), wixauth.FromRequest(r))
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		io.WriteString(w, m.LoginEmail)
	})
	if w := e.Serve(h, s.NewRequest(http.MethodGet, "/me", nil)); w.Code != http.StatusOK || w.Body.String() != wixtest.DemoEmail {
		t.Fatalf("member: %d %q", w.Code, w.Body)
	}
	if w := e.Serve(h, e.Visitor(t).NewRequest(http.MethodGet, "/me", nil)); w.Code != http.StatusForbidden {
		t.Fatalf("visitor: %d %q", w.Code, w.Body)
	}
	if n := e.Wix.TokenCalls(""); n != 0 {
		t.Errorf("%d token calls for seeded sessions, want 0", n)
	}
}

// A Client without HTTP: code that takes a context runs as in a handler,
// and Save keeps what it changed for the next request.
func TestContextAndSave(t *testing.T) {
	e := wixauthtest.New(t)
	s := e.Visitor(t)
	ctx := s.Context(t)
	if _, err := ecom.AddToCart(ctx, wixauth.FromContext(ctx), ecom.StoresProduct("sock", 2)); err != nil {
		t.Fatal(err)
	}
	s.Save(t, ctx)
	w := e.Serve(http.HandlerFunc(cartHandler), s.NewRequest(http.MethodGet, "/cart", nil))
	if w.Body.String() != "visitor 2" {
		t.Fatalf("the next request: %q, want visitor 2", w.Body)
	}
	reqs := e.Wix.Requests()
	if last := reqs[len(reqs)-1]; last.Header.Get("X-Wix-Consistent") == "" {
		t.Errorf("Wix's read-your-writes marker was not kept by Save")
	}
}

// Seed takes any tokens, such as ones a test crafted to be almost expired.
func TestSeedAlmostExpired(t *testing.T) {
	e := wixauthtest.New(t)
	access, refresh := e.Wix.IssueVisitorTokens()
	s := e.Seed(t, wixauth.Tokens{
		AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: e.Wix.Now().Add(time.Minute).Unix()},
		RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleVisitor},
	})
	e.Serve(http.HandlerFunc(cartHandler), s.NewRequest(http.MethodGet, "/", nil))
	if n := e.Wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("%d renewals of a token a minute from expiry, want 1 (RenewBefore is 5 minutes)", n)
	}
}

// The app's own session manager (as the app builds it) works with the kit.
func TestWithConfigSessions(t *testing.T) {
	sm, err := session.New(session.Options{CookieName: "shop_session"})
	if err != nil {
		t.Fatal(err)
	}
	e := wixauthtest.New(t, wixauthtest.WithConfig(func(c *wixauth.Config) { c.Sessions = sm }))
	s := e.Member(t, wixtest.DemoEmail)
	if c := s.Cookie(); c.Name != "shop_session" {
		t.Errorf("cookie %q, want the app's shop_session", c.Name)
	}
	if w := e.Serve(http.HandlerFunc(cartHandler), s.NewRequest(http.MethodGet, "/", nil)); w.Body.String() != "member 0" {
		t.Errorf("%d %q, want member 0", w.Code, w.Body)
	}
}
