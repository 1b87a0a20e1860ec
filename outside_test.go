package wixauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// outsideAuth is an Auth for work outside a request, against a fake Wix.
func outsideAuth(t *testing.T) (*wixauth.Auth, *wixtest.Server) {
	t.Helper()
	wix := wixtest.NewServer()
	t.Cleanup(wix.Close)
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return a, wix
}

// savedTokens records what a NewClient callback was given.
type savedTokens struct {
	mu    sync.Mutex
	saves []wixauth.Tokens
}

func (s *savedTokens) save(_ context.Context, t wixauth.Tokens) error {
	s.mu.Lock()
	s.saves = append(s.saves, t)
	s.mu.Unlock()
	return nil
}

func (s *savedTokens) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.saves)
}

// A job with a member's stored tokens: the expired access token is renewed
// once, saved back through the callback, and the member stays a member.
func TestNewClientRenewsAndSavesBack(t *testing.T) {
	a, wix := outsideAuth(t)
	access, refresh := wix.IssueMemberTokens(wixtest.DemoEmail)
	stored := wixauth.Tokens{
		AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: time.Now().Add(-time.Minute).Unix()},
		RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember},
	}
	var saved savedTokens
	c := a.NewClient(stored, saved.save)
	for range 3 {
		var me struct{ Member struct{ LoginEmail string } }
		if err := c.Get(context.Background(), "/members/v1/members/my", &me); err != nil || me.Member.LoginEmail != wixtest.DemoEmail {
			t.Fatalf("members/my: %q, %v", me.Member.LoginEmail, err)
		}
	}
	if n := wix.TokenCalls(""); n != 1 || saved.count() != 1 {
		t.Fatalf("%d token calls and %d saves, want 1 and 1", n, saved.count())
	}
	got := saved.saves[0]
	if got.RefreshToken != stored.RefreshToken || got.AccessToken.Value == access || !got.LoggedIn() {
		t.Errorf("saved %+v: want the member's refresh token with a new access token", got.RefreshToken)
	}
}

// Empty stored tokens start a visitor, saved back; a refused refresh token
// starts a new one, saved back too.
func TestNewClientStartsAndRestartsVisitors(t *testing.T) {
	a, wix := outsideAuth(t)
	var saved savedTokens
	c := a.NewClient(wixauth.Tokens{}, saved.save)
	if err := c.Ensure(context.Background()); err != nil || saved.count() != 1 || saved.saves[0].Role() != wixauth.RoleVisitor {
		t.Fatalf("empty tokens: %v, %d saves", err, saved.count())
	}
	wix.RevokeRefreshToken(saved.saves[0].RefreshToken.Value)
	if _, err := c.RenewToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if saved.count() != 2 || saved.saves[1].RefreshToken == saved.saves[0].RefreshToken {
		t.Errorf("after the refusal: %d saves; want a new visitor saved", saved.count())
	}
}

// The *http.Client a generated Wix API client would take: it adds the
// token, renews it on a stale-token 401 and sends the request once more,
// keeps X-Wix-Consistent, and sends tokens nowhere but the API host.
func TestTransportForOtherHTTPClients(t *testing.T) {
	a, wix := outsideAuth(t)
	var saved savedTokens
	hc := &http.Client{Transport: a.NewClient(wixauth.Tokens{}, saved.save).Transport()}
	add := func() int {
		resp, err := hc.Post(wix.URL+"/ecom/v1/carts/current/add-to-cart", "application/json", strings.NewReader(
			`{"lineItems":[{"catalogReference":{"appId":"app","catalogItemId":"sock"},"quantity":1}]}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := add(); code != 200 {
		t.Fatalf("add to cart: %d", code)
	}
	wix.Advance(5 * time.Hour) // Wix no longer takes the token
	wix.ResetCounters()
	if code := add(); code != 200 {
		t.Fatalf("after Wix expired the token: %d, want 200 after one renewal", code)
	}
	if r, n := wix.TokenCalls("refresh_token"), wix.Count(wixtest.EndpointAddToCart); r != 1 || n != 2 {
		t.Errorf("%d refresh calls and %d add-to-cart calls, want 1 and 2 (the refused one and its retry)", r, n)
	}
	resp, err := hc.Get(wix.URL + "/ecom/v1/carts/current")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := wix.Requests()
	last := reqs[len(reqs)-1]
	if last.Header.Get("Authorization") == "" || last.Header.Get("X-Wix-Consistent") == "" {
		t.Errorf("the read after the writes: Authorization %t, X-Wix-Consistent %q; want both", last.Header.Get("Authorization") != "", last.Header.Get("X-Wix-Consistent"))
	}
	if _, err := hc.Get("https://evil.example/steal"); err == nil || !strings.Contains(err.Error(), "refusing to send Wix tokens") {
		t.Errorf("another host: %v, want a refusal", err)
	}
	if saved.count() != 2 {
		t.Errorf("%d saves, want 2 (the visitor, its renewal)", saved.count())
	}
}

// A save that fails is logged; the tokens are used anyway.
func TestNewClientSaveFailureIsNotFatal(t *testing.T) {
	a, _ := outsideAuth(t)
	c := a.NewClient(wixauth.Tokens{}, func(context.Context, wixauth.Tokens) error { return errors.New("db down") })
	if err := c.Ensure(context.Background()); err != nil || c.Tokens().Role() != wixauth.RoleVisitor {
		t.Errorf("Ensure: %v, role %s", err, c.Tokens().Role())
	}
}

// A job, a webhook or a WebSocket handler works with tokens stored
// earlier: the Client renews them as a request's Client would, and hands
// every change back to be stored. HTTPClient is what a generated Wix API
// client takes.
func ExampleAuth_NewClient() {
	wix := wixtest.NewServer() // a fake Wix; drop it and APIURL in production
	defer wix.Close()
	auth, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The tokens a job stored, for example a request's Client.Tokens();
	// empty tokens start a visitor.
	var stored wixauth.Tokens
	c := auth.NewClient(stored, func(ctx context.Context, t wixauth.Tokens) error {
		stored = t // write them back where the job keeps them
		return nil
	})

	hc := &http.Client{Transport: c.Transport()}
	resp, err := hc.Post(wix.URL+"/ecom/v1/carts/current/add-to-cart", "application/json", strings.NewReader(
		`{"lineItems":[{"catalogReference":{"appId":"215238eb-22a5-4c36-9e7b-e7c08025e04e","catalogItemId":"tee"},"quantity":1}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, stored.Role())
	// Output: 200 visitor
}

// A job and a request of the same session share a renewal; the job saving
// it through its callback does not keep the request from saving it in the
// session.
func TestNewClientSharesRenewalWithRequests(t *testing.T) {
	h := newHarness(t, nil, nil)
	tok := h.memberTokens(time.Now().Add(-time.Minute))
	h.seed(tok)
	var saved savedTokens
	if _, err := h.auth.NewClient(tok, saved.save).RenewToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, body := h.get("/"); code != 200 || body != "member" {
		t.Fatalf("the request: %d %q", code, body)
	}
	if n, w := h.wix.TokenCalls(""), h.store.commits.Load(); n != 1 || w != 1 || saved.count() != 1 {
		t.Errorf("%d token calls, %d session writes, %d saves by the job; want 1, 1, 1", n, w, saved.count())
	}
}
