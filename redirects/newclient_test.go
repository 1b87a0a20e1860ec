package redirects_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/ecom"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/members"
	"github.com/wixauth/wixauth/oauth"
	"github.com/wixauth/wixauth/redirects"
	"github.com/wixauth/wixauth/wixtest"
)

// Every flow works on a Client from Auth.NewClient (no request, no
// session), or returns a clear error: none panics. IsSessionSynced and
// SyncToWixPages panicked here before (scs: no session data in context).
func TestEveryFlowOnANewClient(t *testing.T) {
	wix := wixtest.NewServer(wixtest.WithRedirectURIs("https://app.example/auth/callback"))
	defer wix.Close()
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, APIKey: wix.APIKey, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := a.NewClient(wixauth.Tokens{}, nil)
	d := oauth.NewData("https://app.example/auth/callback", "")
	demo, _ := wix.MemberByEmail(wixtest.DemoEmail)
	calls := []struct {
		name string
		call func() error
		ok   bool // must succeed; else a clear error is enough
	}{
		{"oauth.AuthURL", func() error { _, err := oauth.AuthURL(ctx, c, d, oauth.AuthURLOptions{}); return err }, true},
		{"oauth.GetAuthURL", func() error { _, err := oauth.GetAuthURL(ctx, c, d, oauth.AuthURLOptions{}); return err }, true},
		{"identity.Login", func() error {
			_, err := identity.Login(ctx, c, wixtest.DemoEmail, wixtest.DemoPassword, nil)
			return err
		}, true},
		{"oauth.DirectLoginURL", func() error {
			res, err := identity.Login(ctx, c, wixtest.DemoEmail, wixtest.DemoPassword, nil)
			if err != nil {
				return err
			}
			_, err = oauth.DirectLoginURL(ctx, c, res.SessionToken, d)
			return err
		}, true},
		{"oauth.GetMemberTokens", func() error { _, err := oauth.GetMemberTokens(ctx, c, "bad-code", d.State, d); return err }, false},
		{"oauth.CompleteLogin", func() error {
			cb, _ := oauth.ParseCallback(&url.URL{RawQuery: url.Values{"code": {"bad"}, "state": {d.State}}.Encode()})
			return oauth.CompleteLogin(ctx, c, cb, d)
		}, false},
		{"oauth.GetTokenInfo", func() error { _, err := oauth.GetTokenInfo(ctx, a, c.Tokens().AccessToken.Value); return err }, true},
		{"identity.Register", func() error {
			_, err := identity.Register(ctx, c, "walk@example.com", "pw-walk", nil, nil)
			return err
		}, true},
		{"identity.ProcessVerification", func() error { _, err := identity.ProcessVerification(ctx, c, "123456", "JWS.bad"); return err }, false},
		{"identity.SendPasswordResetEmail", func() error {
			return identity.SendPasswordResetEmail(ctx, c, wixtest.DemoEmail, "https://app.example/reset")
		}, true},
		{"identity.ExternalLogin", func() error { _, err := identity.ExternalLogin(ctx, c, demo.ID); return err }, true},
		{"identity.ExternalLoginWithSession", func() error {
			_, err := identity.ExternalLoginWithSession(ctx, c, wixtest.DemoEmail, nil)
			return err
		}, true},
		{"redirects.To", func() error {
			_, err := redirects.To(ctx, c, map[string]any{"login": map[string]any{}}, redirects.Callbacks{})
			return err
		}, true},
		{"redirects.Create", func() error {
			_, err := redirects.CreateFromBody(ctx, c, map[string]any{"login": map[string]any{}})
			return err
		}, true},
		{"redirects.SyncURL", func() error { _, err := redirects.SyncURL(ctx, c); return err }, true},
		{"redirects.IsSessionSynced", func() error {
			if redirects.IsSessionSynced(ctx, c) {
				return fmt.Errorf("a Client without a session is synced")
			}
			return nil
		}, true},
		{"redirects.SyncToWixPages", func() error { _, err := redirects.SyncToWixPages(ctx, c, false); return err }, false},
		{"members.Current", func() error { _, err := members.Current(ctx, c); return err }, false},
		{"ecom.CurrentCart", func() error { _, err := ecom.CurrentCart(ctx, c); return err }, true},
		{"ecom.AddToCart", func() error { _, err := ecom.AddToCart(ctx, c, ecom.StoresProduct("p1", 1)); return err }, true},
		{"ecom.CreateCheckout", func() error { _, err := ecom.CreateCheckout(ctx, c); return err }, true},
		{"ecom.CheckoutURL", func() error { _, err := ecom.CheckoutURL(ctx, c, redirects.Callbacks{}); return err }, true},
	}
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panicked: %v", p)
				}
			}()
			err := call.call()
			switch {
			case call.ok && err != nil:
				t.Errorf("failed: %v", err)
			case err != nil && len(err.Error()) < 20:
				t.Errorf("unclear error %q", err)
			}
		})
	}
}
