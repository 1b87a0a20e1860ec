package wixauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/wixtest"
)

var demoItem = map[string]any{"lineItems": []any{map[string]any{
	"catalogReference": map[string]any{"appId": "215238eb-22a5-4c36-9e7b-e7c08025e04e", "catalogItemId": "demo-item"},
	"quantity":         1,
}}}

type cartAnswer struct {
	Cart struct {
		LineItems []struct {
			Quantity int `json:"quantity"`
		} `json:"lineItems"`
	} `json:"cart"`
}

// cartApp adds to the cart on POST and shows the number of items.
func cartApp(w http.ResponseWriter, r *http.Request) {
	c := wixauth.FromRequest(r)
	if r.Method == http.MethodPost {
		if err := c.Post(r.Context(), "/ecom/v1/carts/current/add-to-cart", demoItem, nil); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
	}
	var cart cartAnswer
	var ae *wixauth.APIError
	if err := c.Get(r.Context(), "/ecom/v1/carts/current", &cart); errors.As(err, &ae) && ae.StatusCode == 404 {
		// Wix's answer for a visitor with no cart yet.
	} else if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	n := 0
	for _, li := range cart.Cart.LineItems {
		n += li.Quantity
	}
	fmt.Fprint(w, n)
}

func (h *harness) post(path string) (int, string) {
	h.t.Helper()
	resp, err := h.http.Post(h.app.URL+path, "text/plain", nil)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A 401 from Wix (the fake's clock says the token expired, ours does not)
// triggers one renewal and one retry, invisible to the handler.
func TestClientRenewsAndRetriesOn401(t *testing.T) {
	h := newHarness(t, nil, cartApp)
	h.seed(h.visitorTokens(time.Now().Add(4 * time.Hour)))
	if code, n := h.post("/"); code != 200 || n != "1" {
		t.Fatalf("add to cart: %d %q", code, n)
	}
	h.wix.Advance(5 * time.Hour) // every access token the fake issued has expired
	h.resetCounts()
	if code, n := h.post("/"); code != 200 || n != "2" {
		t.Fatalf("after expiry at Wix: %d %q, want 200 and 2 items (the cart kept)", code, n)
	}
	if r := h.wix.TokenCalls("refresh_token"); r != 1 {
		t.Errorf("refresh calls = %d, want 1", r)
	}
	if n := h.wix.Count(wixtest.EndpointAddToCart); n != 2 {
		t.Errorf("add-to-cart calls = %d, want 2 (the refused one and its retry)", n)
	}
	if w := h.store.commits.Load(); w != 1 {
		t.Errorf("store writes = %d, want 1 (the renewed token)", w)
	}
}

// X-Wix-Consistent is kept with the session and sent back.
func TestConsistentHeaderIsKeptAndSentBack(t *testing.T) {
	h := newHarness(t, nil, cartApp)
	h.post("/")
	var marker string
	for _, r := range h.wix.Requests() {
		if r.Endpoint == wixtest.EndpointAddToCart {
			continue
		}
		if r.Endpoint == wixtest.EndpointCart {
			marker = r.Header.Get("X-Wix-Consistent")
		}
	}
	if marker == "" {
		t.Fatal("the read after the write did not carry X-Wix-Consistent")
	}
	h.resetCounts()
	h.get("/") // a later request of the same session
	for _, r := range h.wix.Requests() {
		if r.Endpoint == wixtest.EndpointCart && r.Header.Get("X-Wix-Consistent") != marker {
			t.Errorf("a later request sent X-Wix-Consistent %q, want %q", r.Header.Get("X-Wix-Consistent"), marker)
		}
	}
}

func TestAPIErrorCarriesWixDetails(t *testing.T) {
	var got error
	h := newHarness(t, nil, func(w http.ResponseWriter, r *http.Request) {
		got = wixauth.FromRequest(r).Get(r.Context(), "/members/v1/members/my", nil)
	})
	h.get("/")
	var ae *wixauth.APIError
	if !errors.As(got, &ae) {
		t.Fatalf("a visitor reading members/my: err = %v, want *APIError", got)
	}
	if ae.StatusCode != 403 || ae.RequestID == "" || ae.Code == "" || ae.Endpoint != "/members/v1/members/my" {
		t.Errorf("APIError = %+v; want 403 with code, request ID and endpoint", ae)
	}
	if !strings.Contains(ae.Error(), ae.RequestID) {
		t.Errorf("the message %q lacks the request ID", ae.Error())
	}
}

// Tokens never leave for a host other than the Wix API.
func TestDoRefusesOtherHosts(t *testing.T) {
	var got error
	h := newHarness(t, nil, func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest("GET", "https://evil.example/steal", nil)
		_, got = wixauth.FromRequest(r).Do(req)
	})
	h.get("/")
	if got == nil || !strings.Contains(got.Error(), "refusing to send Wix tokens") {
		t.Fatalf("err = %v, want a refusal", got)
	}
}

func TestNilClientSaysWhatIsWrong(t *testing.T) {
	c := wixauth.FromContext(context.Background())
	if c != nil {
		t.Fatal("FromContext outside the middleware should be nil")
	}
	if err := c.Get(context.Background(), "/x", nil); !errors.Is(err, wixauth.ErrNoClient) {
		t.Errorf("err = %v, want ErrNoClient", err)
	}
	if c.LoggedIn() || c.Tokens().Role() != wixauth.RoleNone {
		t.Error("a nil client must read as no session")
	}
}

func TestTokenMethods(t *testing.T) {
	var c *wixauth.Client
	var ctx context.Context
	h := newHarness(t, nil, func(w http.ResponseWriter, r *http.Request) {
		c, ctx = wixauth.FromRequest(r), r.Context()
		old := c.Tokens()
		renewed, err := c.RenewToken(ctx)
		if err != nil || renewed.AccessToken.Value == old.AccessToken.Value || renewed.RefreshToken != old.RefreshToken {
			t.Errorf("RenewToken: %v; want a new access token and the same refresh token", err)
		}
		hdr, err := c.AuthHeaders(ctx)
		if err != nil || hdr.Get("Authorization") != renewed.AccessToken.Value {
			t.Errorf("AuthHeaders: %v; want the raw access token, no Bearer prefix", err)
		}
		same, err := c.GenerateVisitorTokens(ctx, renewed)
		if err != nil || same != renewed {
			t.Errorf("GenerateVisitorTokens(valid) changed the tokens: %v", err)
		}
		fresh, err := c.GenerateVisitorTokens(ctx, wixauth.Tokens{})
		if err != nil || fresh.RefreshToken.Role != wixauth.RoleVisitor || fresh.RefreshToken == renewed.RefreshToken {
			t.Errorf("GenerateVisitorTokens(empty): %v; want a new visitor", err)
		}
	})
	h.get("/")
	if r, a := h.wix.TokenCalls("refresh_token"), h.wix.TokenCalls("anonymous"); r != 1 || a != 2 {
		t.Errorf("token calls: %d refresh, %d anonymous; want 1 and 2", r, a)
	}
}

// roundTripFunc records what would leave the process.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Tokens never leave for another https host than the API's: the check is
// on the scheme and the host, not on either.
func TestDoRefusesOtherHTTPSHosts(t *testing.T) {
	var hosts []string
	a, err := wixauth.New(wixauth.Config{ClientID: "c", HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		hosts = append(hosts, r.URL.Scheme+"://"+r.URL.Host)
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}")), Header: http.Header{}, Request: r}, nil
	})}})
	if err != nil {
		t.Fatal(err)
	}
	c := a.NewClient(wixauth.Tokens{
		AccessToken:  wixauth.AccessToken{Value: "secret-access", ExpiresAt: time.Now().Add(time.Hour).Unix()},
		RefreshToken: wixauth.RefreshToken{Value: "r", Role: wixauth.RoleMember},
	}, nil)
	for _, u := range []string{"https://evil.example/steal", "http://www.wixapis.com/x", "https://www.wixapis.com.evil.example/x"} {
		req, _ := http.NewRequest("GET", u, nil)
		if _, err := c.Do(req); err == nil || !strings.Contains(err.Error(), "refusing to send Wix tokens") {
			t.Errorf("Do(%s): err = %v, want a refusal", u, err)
		}
	}
	if len(hosts) != 0 {
		t.Fatalf("requests left for %v", hosts)
	}
	req, _ := http.NewRequest("GET", "https://www.wixapis.com/members/v1/members/my", nil)
	if resp, err := c.Do(req); err != nil {
		t.Fatalf("the API host itself: %v", err)
	} else {
		resp.Body.Close()
	}
	if len(hosts) != 1 || hosts[0] != "https://www.wixapis.com" {
		t.Errorf("hosts = %v, want the API host once", hosts)
	}
}

// After a renewal, Wix refuses the renewed token (401): the retry gets a
// token of its own, never the one renewed a moment ago that Wix refused.
func TestRetryNeverReusesTheRefusedToken(t *testing.T) {
	h := newHarness(t, nil, cartApp)
	h.seed(h.visitorTokens(time.Now().Add(-time.Minute)))
	if code, n := h.post("/"); code != 200 || n != "1" { // renews, then adds
		t.Fatalf("add to cart: %d %q", code, n)
	}
	h.wix.Advance(5 * time.Hour) // the renewed token expires at Wix, not here
	if code, n := h.post("/"); code != 200 || n != "2" {
		t.Fatalf("after Wix refused the renewed token: %d %q, want 200 and 2 items", code, n)
	}
	if r := h.wix.TokenCalls("refresh_token"); r != 2 {
		t.Errorf("refresh calls = %d, want 2 (the expiry, then the refusal)", r)
	}
}

// wrongPassword401 is a wrong password as Wix might answer it, with a 401.
const wrongPassword401 = `{"message":"wrong password","details":{"applicationError":{"code":"-19976","description":"wrong password"}}}`

// A 401 that is an answer of the application (a wrong password) is not a
// stale token: no renewal, the password sent once, the user told.
func TestWrongPasswordWith401IsAWrongPassword(t *testing.T) {
	var res identity.Result
	var err error
	h := newHarness(t, nil, func(w http.ResponseWriter, r *http.Request) {
		res, err = identity.Login(r.Context(), wixauth.FromRequest(r), wixtest.DemoEmail, "not-the-password", nil)
	})
	h.get("/")
	h.resetCounts()
	h.wix.Fail(wixtest.EndpointLogin, wixtest.Fault{Status: 401, Body: wrongPassword401})
	h.get("/")
	if err != nil || res.State != identity.LoginFailure || res.ErrorCode != identity.ErrorCodeInvalidPassword {
		t.Errorf("Login = %+v, %v; want a failure with invalidPassword", res, err)
	}
	if n, tok := h.wix.Count(wixtest.EndpointLogin), h.wix.TokenCalls(""); n != 1 || tok != 0 {
		t.Errorf("%d login calls and %d token calls, want 1 and 0", n, tok)
	}
}

// A request that carries a password is never sent twice, even when Wix
// says the token was stale: the token is renewed for the next try and the
// error returned.
func TestPasswordIsNeverSentTwice(t *testing.T) {
	var err error
	h := newHarness(t, nil, func(w http.ResponseWriter, r *http.Request) {
		_, err = identity.Login(r.Context(), wixauth.FromRequest(r), wixtest.DemoEmail, wixtest.DemoPassword, nil)
	})
	h.get("/")
	h.resetCounts()
	h.wix.Fail(wixtest.EndpointLogin, wixtest.Fault{Status: 401, Times: 1}) // UNAUTHENTICATED
	h.get("/")
	var ae *wixauth.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 401 {
		t.Errorf("err = %v, want the 401", err)
	}
	if n, r := h.wix.Count(wixtest.EndpointLogin), h.wix.TokenCalls("refresh_token"); n != 1 || r != 1 {
		t.Errorf("%d login calls and %d refresh calls, want 1 (never twice) and 1 (healed for the next try)", n, r)
	}
}

// A 401 with an application's code comes back as it is, body included.
func TestApplication401ComesBackAsIs(t *testing.T) {
	var status int
	var body string
	h := newHarness(t, nil, func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest("GET", "/ecom/v1/carts/current", nil)
		resp, err := wixauth.FromRequest(r).Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status, body = resp.StatusCode, string(b)
	})
	h.get("/")
	h.resetCounts()
	h.wix.Fail(wixtest.EndpointCart, wixtest.Fault{Status: 401, Body: wrongPassword401})
	h.get("/")
	if status != 401 || body != wrongPassword401 {
		t.Errorf("got %d %q, want the 401 with its body", status, body)
	}
	if n, tok := h.wix.Count(wixtest.EndpointCart), h.wix.TokenCalls(""); n != 1 || tok != 0 {
		t.Errorf("%d cart calls and %d token calls, want 1 and 0", n, tok)
	}
}
