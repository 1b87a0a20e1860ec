package identity_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/internal/flowtest"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/wixtest"
)

// The SDK's getMemberTokensForExternalLoginWithSession: sign-on with
// "<visitor token>,<API key>", then the authorized_client grant with the
// member and the sign-on's session token, and no scope.
func TestGetMemberTokensForExternalLoginWithSession(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	demo, _ := f.Wix.MemberByEmail(wixtest.DemoEmail)
	var visitor string
	f.Run(func(c *wixauth.Client, r *http.Request) {
		visitor = c.Tokens().AccessToken.Value
		tok, err := identity.ExternalLoginWithSession(r.Context(), c, wixtest.DemoEmail, nil)
		if err != nil || !tok.LoggedIn() {
			t.Fatalf("GetMemberTokensForExternalLoginWithSession = %v, %v", tok.Role(), err)
		}
		if c.LoggedIn() {
			t.Errorf("the tokens were stored before SetTokens")
		}
		c.SetTokens(tok)
		var me struct {
			Member struct{ ID, LoginEmail string } `json:"member"`
		}
		if err := c.Get(r.Context(), "/members/v1/members/my", &me); err != nil || me.Member.ID != demo.ID {
			t.Errorf("members/my = %+v, %v", me, err)
		}
	})
	signOn := f.Requests(wixtest.EndpointSignOn)
	if len(signOn) != 1 || signOn[0].Header.Get("Authorization") != visitor+","+f.Wix.APIKey {
		t.Fatalf("sign-on calls %d, Authorization %q", len(signOn), signOn[0].Header.Get("Authorization"))
	}
	var so map[string]any
	json.Unmarshal(signOn[0].Body, &so)
	if want := map[string]any{"loginId": map[string]any{"email": wixtest.DemoEmail}}; !reflect.DeepEqual(so, want) {
		t.Errorf("sign-on body = %v, want %v", so, want)
	}
	g, body := f.LastGrant("authorized_client")
	if g.Header.Get("Authorization") != visitor+","+f.Wix.APIKey {
		t.Errorf("grant Authorization = %q", g.Header.Get("Authorization"))
	}
	if len(body) != 3 || body["grant_type"] != "authorized_client" || body["member_id"] != demo.ID || body["session_token"] == "" {
		t.Errorf("grant body = %v, want grant_type, member_id and session_token only", body)
	}

	// A new email makes a new member, with the profile in the SDK's shape.
	yes := true
	nick := "Newcomer"
	f.Run(func(c *wixauth.Client, r *http.Request) {
		opts := &identity.SignOnOptions{VerifyEmail: &yes, Profile: &identity.Profile{Nickname: nick,
			CustomFields: []identity.CustomField{{Name: "shoeSize", Value: identity.CustomValue{StrValue: &nick}}}}}
		if _, err := identity.ExternalLoginWithSession(r.Context(), c, "new@example.com", opts); err != nil {
			t.Errorf("sign-on of a new member: %v", err)
		}
	})
	if m, ok := f.Wix.MemberByEmail("new@example.com"); !ok || m.Nickname != nick {
		t.Errorf("new member %+v, %v", m, ok)
	}
	signOn = f.Requests(wixtest.EndpointSignOn)
	json.Unmarshal(signOn[len(signOn)-1].Body, &so)
	cf, _ := so["profile"].(map[string]any)["customFields"].([]any)
	if len(cf) != 1 || so["verifyEmail"] != true {
		t.Errorf("sign-on body = %v, want customFields as a list and verifyEmail", so)
	}
}

func TestExternalLoginWithSessionRefusals(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	f.Run(func(c *wixauth.Client, r *http.Request) {
		ctx := r.Context()
		if _, err := identity.ExternalLoginWithSession(ctx, c, "", nil); err == nil {
			t.Errorf("an empty email was accepted")
		}
		bad := &identity.SignOnOptions{Profile: &identity.Profile{CustomFields: []identity.CustomField{{Name: "x"}}}}
		if _, err := identity.ExternalLoginWithSession(ctx, c, wixtest.DemoEmail, bad); err == nil || !strings.Contains(err.Error(), "exactly one value") {
			t.Errorf("a custom field without a value: %v", err)
		}
		_, err := identity.ExternalLoginWithSession(ctx, c, "not an email", nil)
		var ae *wixauth.APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
			t.Errorf("a bad email: %v, want Wix's 400", err)
		}
	})
	if n := f.Wix.Count(wixtest.EndpointSignOn); n != 1 {
		t.Errorf("%d sign-on calls, want 1 (only the bad email reaches Wix)", n)
	}
	if n := f.Wix.TokenCalls("authorized_client"); n != 0 {
		t.Errorf("%d grants after refused sign-ons", n)
	}

	f = flowtest.NewFixture(t, func(c *wixauth.Config) { c.APIKey = "wrong-key" })
	f.Run(func(c *wixauth.Client, r *http.Request) {
		_, err := identity.ExternalLoginWithSession(r.Context(), c, wixtest.DemoEmail, nil)
		var ae *wixauth.APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden {
			t.Errorf("with a wrong API key: %v, want 403", err)
		}
	})
}

// Member IDs are UUIDs: anything else is refused before it reaches Wix.
func TestExternalLoginChecksMemberID(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	demo, _ := f.Wix.MemberByEmail(wixtest.DemoEmail)
	f.Run(func(c *wixauth.Client, r *http.Request) {
		for _, id := range []string{
			"some-member",
			wixtest.DemoEmail,
			strings.ReplaceAll(demo.ID, "-", ""),    // uuid.Parse takes it; Wix's IDs have hyphens
			"{" + demo.ID + "}",                     // likewise
			"urn:uuid:" + demo.ID,                   // likewise
			demo.ID + " ",                           // a pasted space
			strings.Replace(demo.ID, "-", "x", 1),   // 36 characters, not a UUID
			strings.Repeat("0123456789abcdef", 100), // long: the error stays short
		} {
			_, err := identity.ExternalLogin(r.Context(), c, id)
			if err == nil || !strings.Contains(err.Error(), "not a Wix member ID") || len(err.Error()) > 400 {
				t.Errorf("member ID %.40q: %v", id, err)
			}
		}
		// A well-formed ID of no member reaches Wix, which refuses it.
		_, err := identity.ExternalLogin(r.Context(), c, "9f3c1b7e-2a4d-4e6f-8b1a-0c5d7e9f1a2b")
		var ae *wixauth.APIError
		if !errors.As(err, &ae) || ae.Code != "invalid_grant" {
			t.Errorf("an unknown member: %v, want invalid_grant", err)
		}
		// Upper case is a UUID too.
		if _, err := identity.ExternalLogin(r.Context(), c, strings.ToUpper(demo.ID)); err != nil && !errors.As(err, &ae) {
			t.Errorf("an upper-case UUID was refused before Wix: %v", err)
		}
	})
	if n := f.Wix.TokenCalls("authorized_client"); n != 2 {
		t.Errorf("%d grants reached Wix, want 2 (the well-formed IDs only)", n)
	}
}
