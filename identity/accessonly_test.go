package identity_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/internal/flowtest"
	"github.com/wixauth/wixauth/wixtest"
)

// Wix may answer the scope-less grant after a sign-on with an access token
// and no refresh token (wixtest.WithoutSignOnRefreshToken, A12); the SDK
// takes such tokens. The member is signed in for the access token's
// lifetime, then the session is a new visitor's: never a 502, never a 503.
func TestSignOnWithoutRefreshToken(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	f := flowtest.NewFixtureWith(t, func(c *wixauth.Config) { c.Now = now }, wixtest.WithoutSignOnRefreshToken())
	demo, _ := f.Wix.MemberByEmail(wixtest.DemoEmail)
	ran := 0
	f.Run(func(c *wixauth.Client, r *http.Request) {
		ran++
		tok, err := identity.ExternalLoginWithSession(r.Context(), c, wixtest.DemoEmail, nil)
		if err != nil || !tok.LoggedIn() || tok.RefreshToken.Value != "" {
			t.Fatalf("sign-on without a refresh token: %v (logged in %v, access only %v)", err, tok.LoggedIn(), tok.RefreshToken.Value == "")
		}
		if err := c.SignIn(r.Context(), tok); err != nil {
			t.Fatalf("SignIn: %v", err)
		}
	})
	f.Run(func(c *wixauth.Client, r *http.Request) {
		ran++
		var me struct {
			Member struct{ ID string } `json:"member"`
		}
		if err := c.Get(r.Context(), "/members/v1/members/my", &me); err != nil || !c.LoggedIn() || me.Member.ID != demo.ID {
			t.Errorf("the next request: logged in %v, members/my %+v, %v", c.LoggedIn(), me, err)
		}
		if _, err := c.RenewToken(r.Context()); err == nil || !strings.Contains(err.Error(), "no refresh token") {
			t.Errorf("RenewToken of an access token alone: %v, want an error that says why", err)
		}
	})
	// Inside the renewal margin the access token is still used: nothing
	// can renew it.
	lifetime := wixtest.DefaultAccessTokenLifetime
	f.Wix.Advance(lifetime - time.Minute)
	offset.Store(int64(lifetime - time.Minute))
	f.Run(func(c *wixauth.Client, r *http.Request) {
		ran++
		if !c.LoggedIn() {
			t.Errorf("a minute before the access token expires: not logged in")
		}
	})
	// Past its lifetime: a new visitor, at once.
	f.Wix.Advance(2 * time.Minute)
	offset.Store(int64(lifetime + time.Minute))
	f.Run(func(c *wixauth.Client, r *http.Request) {
		ran++
		if c.LoggedIn() || c.Tokens().Role() != wixauth.RoleVisitor || c.Tokens().RefreshToken.Value == "" {
			t.Errorf("after the access token expired: role %v, want a new visitor with a refresh token", c.Tokens().Role())
		}
	})
	if ran != 4 {
		t.Errorf("the handler ran %d times of 4: the middleware refused a request", ran)
	}
}
