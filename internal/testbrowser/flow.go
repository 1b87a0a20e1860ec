package testbrowser

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/wixtest"
)

// Flow drives an example app at appURL, against the fake Wix at wixURL
// with its demo member, through the scripted flow every example must pass
// (the ServeMux example, examples/chi, examples/gorilla): a visitor, a
// cart, a checkout URL, the hosted login, the members-only page, logout.
// The app serves:
//
//	GET  /api/session   {"role": ..., "loggedIn": ...}
//	POST /api/cart      adds the demo item; GET /api/cart {"cart": {...}}
//	POST /api/checkout  {"url": Wix's checkout page}
//	GET  /account       members only (handlers.RequireMember), shows the email
//	     /auth/...      the member handlers (POST /auth/logout)
func Flow(t *testing.T, appURL, wixURL string) {
	t.Helper()
	b := New(t, appURL, nil)

	// 1. A visitor.
	if role := sessionRole(t, b); role != "visitor" {
		t.Fatalf("1. a new browser is %q, want visitor", role)
	}

	// 2. A cart.
	if p := b.PostJSON("/api/cart", map[string]any{}); p.StatusCode != http.StatusOK {
		t.Fatalf("2. POST /api/cart: %d %s", p.StatusCode, p.Body)
	}
	var cart struct {
		Cart struct {
			LineItems []struct {
				Quantity int `json:"quantity"`
			} `json:"lineItems"`
		} `json:"cart"`
	}
	decode(t, b.Get("/api/cart"), &cart)
	if len(cart.Cart.LineItems) != 1 || cart.Cart.LineItems[0].Quantity != 1 {
		t.Fatalf("2. the cart after one add: %+v", cart)
	}

	// 3. A checkout URL, on Wix, for that cart.
	var checkout struct{ URL string }
	decode(t, b.PostJSON("/api/checkout", map[string]any{}), &checkout)
	if !strings.HasPrefix(checkout.URL, wixURL+"/") {
		t.Fatalf("3. checkout URL %q is not on Wix (%s)", checkout.URL, wixURL)
	}
	if p := b.Get(checkout.URL); p.StatusCode != http.StatusOK || !strings.Contains(p.Body, "ecomCheckout") {
		t.Fatalf("3. Wix's checkout page: %d %s", p.StatusCode, p.Body)
	}

	// 4. The members-only page sends the visitor to the hosted login,
	// which sends the member back to it.
	p := b.Get("/account")
	if !strings.HasPrefix(p.URL().String(), wixURL+"/") {
		t.Fatalf("4. a visitor on /account ended on %s, want Wix's login page", p.URL())
	}
	m := formAction.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("4. no login form on Wix's page: %s", p.Body)
	}
	p = b.Post(html.UnescapeString(m[1]), url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}}, "")

	// 5. On the members-only page as the member.
	if p.StatusCode != http.StatusOK || p.URL().String() != appURL+"/account" || !strings.Contains(p.Body, wixtest.DemoEmail) {
		t.Fatalf("5. after the login: %d %s, want /account showing %s; body:\n%s", p.StatusCode, p.URL(), wixtest.DemoEmail, p.Body)
	}
	if role := sessionRole(t, b); role != "member" {
		t.Fatalf("5. after the login the session is %q, want member", role)
	}

	// 6. Logout: a visitor again, and the members-only page is closed.
	p = b.Post("/auth/logout", url.Values{"returnTo": {"/"}}, b.Base)
	if p.StatusCode != http.StatusOK || p.URL().String() != appURL+"/" {
		t.Fatalf("6. logout ended on %d %s, want %s/", p.StatusCode, p.URL(), appURL)
	}
	if role := sessionRole(t, b); role != "visitor" {
		t.Fatalf("6. after logout the session is %q, want visitor", role)
	}
	if resp := b.RawGet("/account"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/login?returnTo=") {
		t.Fatalf("6. /account after logout: %d to %q, want 303 to the login", resp.StatusCode, resp.Header.Get("Location"))
	}
}

var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

func sessionRole(t *testing.T, b *Browser) string {
	t.Helper()
	var s struct{ Role string }
	decode(t, b.Get("/api/session"), &s)
	return s.Role
}

func decode(t *testing.T, p Page, v any) {
	t.Helper()
	if p.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", p.URL(), p.StatusCode, p.Body)
	}
	if err := json.Unmarshal([]byte(p.Body), v); err != nil {
		t.Fatalf("%s: %v in %s", p.URL(), err, p.Body)
	}
}
