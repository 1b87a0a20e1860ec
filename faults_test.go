package wixauth_test

// The fault matrix: every Wix endpoint the library calls, under every kind
// of failure an upstream can produce. For each pair it checks what the
// browser sees, that the session is exactly as it was (stored bytes, store
// writes, cookie), and that the app recovers by itself once Wix answers
// again. docs/reliability.md has the table of expected outcomes.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/redirects"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/wixtest"
)

// The timeouts bound the hung calls, which run in parallel subtests (a few
// seconds in all); slowAnswer stays far under them. They were 300 and 400
// ms, which a loaded 2-core machine under -race exceeded on ordinary calls
// (the setup's new visitor tokens, the "slow" row): a test of what the
// library does with a fault must not depend on how fast the machine is.
const (
	faultTokenTimeout = 3 * time.Second
	faultHTTPTimeout  = 4 * time.Second
	slowAnswer        = 80 * time.Millisecond
	faultBackoff      = 50 * time.Millisecond
)

// faultApp is the harness's app with the member handlers and one route per
// Wix call, each answering 502 with the kind of error the library gave.
type faultApp struct {
	*harness
	mu      sync.Mutex
	lastErr error
}

func newFaultApp(t *testing.T) *faultApp {
	t.Helper()
	a := &faultApp{}
	var mux *http.ServeMux
	a.harness = newHarness(t, func(c *wixauth.Config) {
		c.TokenTimeout = faultTokenTimeout
		c.HTTPClient = &http.Client{Timeout: faultHTTPTimeout}
		c.RetryBackoff = faultBackoff
		c.GiveUpAfter = 250 * time.Millisecond // TestFaultMatrixRefreshGrantAnswers
		c.APIKey = wixtest.DefaultAPIKey
		c.Logger = slog.New(errLog{a})
	}, func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) })
	a.wix.AllowRedirectURI(a.app.URL + "/auth/callback")
	mux = http.NewServeMux()
	// A test server on loopback: its Host is its origin.
	members, err := handlers.New(a.auth, handlers.Config{AllowHostHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	members.Mount(mux)
	mux.HandleFunc("/", a.report)
	mux.HandleFunc("GET /cart", func(w http.ResponseWriter, r *http.Request) {
		s, err := cartLines(r)
		a.answer(w, s, err)
	})
	mux.HandleFunc("POST /cart/add", func(w http.ResponseWriter, r *http.Request) {
		body := map[string]any{"lineItems": []any{map[string]any{
			"catalogReference": map[string]any{"appId": "test-app", "catalogItemId": "sock"}, "quantity": 1}}}
		var cart map[string]any // the updated cart, as an app would show it
		a.answer(w, "added", wixauth.FromRequest(r).Post(r.Context(), "/ecom/v1/carts/current/add-to-cart", body, &cart))
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		var me struct {
			Member struct{ LoginEmail string } `json:"member"`
		}
		err := wixauth.FromRequest(r).Get(r.Context(), "/members/v1/members/my", &me)
		a.answer(w, me.Member.LoginEmail, err)
	})
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		rs, err := redirects.To(r.Context(), wixauth.FromRequest(r),
			map[string]any{"ecomCheckout": map[string]any{"checkoutId": "c1"}}, redirects.Callbacks{PostFlowURL: a.app.URL + "/"})
		if err != nil {
			a.answer(w, "", err)
			return
		}
		a.answer(w, rs.FullURL, nil)
	})
	mux.HandleFunc("POST /external", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		m, _ := a.wix.MemberByEmail(wixtest.DemoEmail)
		c := wixauth.FromRequest(r)
		tok, err := identity.ExternalLogin(ctx, c, m.ID)
		if err == nil {
			err = a.auth.RenewSession(ctx)
		}
		if err == nil {
			c.SetTokens(tok)
		}
		a.answer(w, "member", err)
	})
	return a
}

func (a *faultApp) setErr(err error) {
	a.mu.Lock()
	a.lastErr = err
	a.mu.Unlock()
}

func (a *faultApp) err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastErr
}

// errLog keeps the last error logged (by the middleware's ErrorHandler or
// the member handlers), which is the error the library returned to them.
type errLog struct{ a *faultApp }

func (l errLog) Enabled(context.Context, slog.Level) bool { return true }
func (l errLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l errLog) WithGroup(string) slog.Handler            { return l }
func (l errLog) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(at slog.Attr) bool {
		if err, ok := at.Value.Any().(error); ok && at.Key == "error" {
			l.a.setErr(err)
		}
		return true
	})
	return nil
}

// answer writes ok, or 502 with the kind of err for the test to check.
func (a *faultApp) answer(w http.ResponseWriter, ok string, err error) {
	a.setErr(err)
	if err != nil {
		http.Error(w, "wix call failed: "+errKind(err), http.StatusBadGateway)
		return
	}
	io.WriteString(w, ok)
}

// cartLines lists the cart as "item xN", or "empty".
func cartLines(r *http.Request) (string, error) {
	var out struct {
		Cart struct {
			LineItems []struct {
				Quantity         int
				CatalogReference struct{ CatalogItemID string }
			}
		}
	}
	err := wixauth.FromRequest(r).Get(r.Context(), "/ecom/v1/carts/current", &out)
	var ae *wixauth.APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound {
		return "empty", nil
	}
	var lines []string
	for _, li := range out.Cart.LineItems {
		lines = append(lines, fmt.Sprintf("%s x%d", li.CatalogReference.CatalogItemID, li.Quantity))
	}
	return strings.Join(lines, ", "), err
}

// errKind names what the library returned, so that the table can say what
// a handler gets for each fault.
func errKind(err error) string {
	var ae *wixauth.APIError
	var ne net.Error
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ae) && ae.Code == "malformed_response":
		return "malformed"
	case errors.As(err, &ae) && ae.StatusCode == http.StatusTooManyRequests:
		return "rate-limited"
	case errors.As(err, &ae) && ae.Temporary():
		return "wix-5xx"
	case errors.As(err, &ae):
		return fmt.Sprintf("refused-%d", ae.StatusCode)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "not the JSON expected"), strings.Contains(err.Error(), "without a URL"):
		return "malformed"
	}
	return "network"
}

// do sends a request with the harness's browser (cookies, redirects
// followed) and returns status, body and headers.
func (a *faultApp) do(method, path string, body any, wantJSON bool) (int, string, http.Header) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.app.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if wantJSON {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), resp.Header
}

// cookie is the browser's session cookie, or "".
func (a *faultApp) cookie() string {
	for _, c := range a.jar.Cookies(mustURL(a.app.URL)) {
		if c.Name == a.sm.Cookie.Name {
			return c.Value
		}
	}
	return ""
}

// stored returns the store's bytes of the browser's session and the token
// record inside them.
func (a *faultApp) stored() (raw, tokens []byte) {
	raw = a.store.raw(a.cookie())
	if raw == nil {
		return nil, nil
	}
	_, values, err := a.sm.Codec.Decode(codecBytes(a.t, raw))
	if err != nil {
		a.t.Fatalf("decoding the stored session: %v", err)
	}
	switch v := values["wixauth.tokens"].(type) {
	case session.Record:
		tokens = []byte(v)
	case []byte:
		tokens = v
	}
	return raw, tokens
}

// snapshot is a session's state, to compare after a fault.
type snapshot struct {
	cookie      string
	raw, tokens []byte
	commits     int64
}

func (a *faultApp) snap() snapshot {
	raw, tok := a.stored()
	return snapshot{a.cookie(), raw, tok, a.store.commits.Load()}
}

// unchangedSince reports how the session differs from s; "" if it does not.
func (a *faultApp) unchangedSince(s snapshot, tokensOnly bool) string {
	now := a.snap()
	switch {
	case now.cookie != s.cookie:
		return "the session cookie changed"
	case !bytes.Equal(now.tokens, s.tokens):
		return "the stored tokens changed"
	case tokensOnly:
		return ""
	case !bytes.Equal(now.raw, s.raw):
		return "the stored session changed"
	case now.commits != s.commits:
		return fmt.Sprintf("%d store writes", now.commits-s.commits)
	}
	return ""
}

// withCart makes the browser a visitor (or the demo member) with a sock in
// its cart; expired makes the stored access token already expired, so that
// the next request must renew it.
func (a *faultApp) withCart(member, expired bool) {
	a.t.Helper()
	if member {
		a.seed(a.memberTokens(time.Now().Add(4 * time.Hour)))
	}
	if code, body, _ := a.do("POST", "/cart/add", nil, false); code != 200 {
		a.t.Fatalf("add to cart: %d %q", code, body)
	}
	if expired {
		a.get("/")
		tok := a.lastSeen()
		tok.AccessToken.ExpiresAt = time.Now().Add(-time.Minute).Unix()
		a.seed(tok)
	}
	a.resetCounts()
}

func mustURL(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}

// The malformed answers any endpoint may give with a 200.
const (
	htmlPage      = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
	truncatedJSON = `{"access_token":"OauthNG.JWS.abc","token_type":"Bearer","expires_in":14400,"refresh_tok`
)

// faultCase is one kind of failure. tokenOnly cases are token answers that
// are well-formed JSON but unusable as tokens.
type faultCase struct {
	name      string
	fault     wixtest.Fault
	kind      string // what the library returns ("ok": the call succeeds)
	tokenOnly bool
}

var faultCases = []faultCase{
	{name: "500", fault: wixtest.Fault{Status: 500}, kind: "wix-5xx"},
	{name: "502", fault: wixtest.Fault{Status: 502}, kind: "wix-5xx"},
	{name: "503", fault: wixtest.Fault{Status: 503}, kind: "wix-5xx"},
	{name: "429 Retry-After", fault: wixtest.Fault{Status: 429, Header: http.Header{"Retry-After": {"1"}}}, kind: "rate-limited"},
	{name: "502 HTML page", fault: wixtest.Fault{Status: 502, Body: htmlPage}, kind: "wix-5xx"},
	{name: "timeout (hang)", fault: wixtest.Fault{Hang: true}, kind: "timeout"},
	{name: "connection reset", fault: wixtest.Fault{Reset: true}, kind: "network"},
	{name: "slow, under the timeout", fault: wixtest.Fault{Delay: slowAnswer}, kind: "ok"},
	{name: "200 malformed JSON", fault: wixtest.Fault{Status: 200, Body: `{"access_token": OauthNG`}, kind: "malformed"},
	{name: "200 truncated JSON", fault: wixtest.Fault{Status: 200, Body: truncatedJSON}, kind: "malformed"},
	{name: "200 HTML page", fault: wixtest.Fault{Status: 200, Body: htmlPage}, kind: "malformed"},
	{name: "200 without access_token", fault: wixtest.Fault{Status: 200, Body: `{"token_type":"Bearer","expires_in":14400,"refresh_token":"JWS.x"}`}, kind: "malformed", tokenOnly: true},
	{name: "200 expires_in 0", fault: wixtest.Fault{Status: 200, Body: `{"access_token":"OauthNG.JWS.x","token_type":"Bearer","expires_in":0,"refresh_token":"JWS.x"}`}, kind: "malformed", tokenOnly: true},
	{name: "200 expires_in negative", fault: wixtest.Fault{Status: 200, Body: `{"access_token":"OauthNG.JWS.x","token_type":"Bearer","expires_in":-60,"refresh_token":"JWS.x"}`}, kind: "malformed", tokenOnly: true},
}

// faultOp is one thing a browser does that makes the library call one Wix
// endpoint, with what the browser gets when that call fails.
type faultOp struct {
	name     string
	endpoint wixtest.Endpoint
	grant    string            // token endpoint: the grant the fault is limited to
	setup    func(a *faultApp) // the session before the fault
	run      func(a *faultApp) (int, string, http.Header)
	// failStatus and failText are what the browser gets when the call fails.
	failStatus int
	failText   string
	// okStatus and okText are what it gets when the call succeeds.
	okStatus int
	okText   string
	// tokensOnly: the handler keeps its own bookkeeping in the session (the
	// login under way is used up); only the tokens must stay as they were.
	tokensOnly bool
	// okOn200: the library ignores the answer's body (password reset), so
	// a 200 with any body is a success.
	okOn200 bool
	// backoff: a failure makes the library wait RetryBackoff (or Wix's
	// Retry-After) before calling again.
	backoff bool
	// recover runs once Wix answers again and says what is wrong, or "".
	recover func(a *faultApp, failed bool) string
}

const (
	middleware503 = "Wix is unavailable right now"
	handlers502   = "Wix could not be reached"
	appRoute502   = "wix call failed"
)

func get(path string) func(*faultApp) (int, string, http.Header) {
	return func(a *faultApp) (int, string, http.Header) { return a.do("GET", path, nil, false) }
}

func postJSON(path string, body any) func(*faultApp) (int, string, http.Header) {
	return func(a *faultApp) (int, string, http.Header) { return a.do("POST", path, body, true) }
}

// expect returns "" if GET path answers 200 with want, else what it got.
func (a *faultApp) expect(path, want string) string {
	if code, body, _ := a.do("GET", path, nil, false); code != 200 || body != want {
		return fmt.Sprintf("GET %s: %d %q, want 200 %q", path, code, body, want)
	}
	return ""
}

// keptCart: the cart is still there, as the same identity.
func keptCart(role string) func(*faultApp, bool) string {
	return func(a *faultApp, _ bool) string {
		if msg := a.expect("/", role); msg != "" {
			return msg
		}
		return a.expect("/cart", "sock x1")
	}
}

var regEmail = "new+verify@example.com"

var faultOps = []faultOp{
	{
		name: "anonymous grant (new visitor)", endpoint: wixtest.EndpointToken, grant: "anonymous",
		run:        get("/"),
		failStatus: 503, failText: middleware503, okStatus: 200, okText: "visitor", backoff: true,
		recover: func(a *faultApp, _ bool) string { return a.expect("/", "visitor") },
	},
	{
		name: "refresh_token grant (visitor with cart)", endpoint: wixtest.EndpointToken, grant: "refresh_token",
		setup:      func(a *faultApp) { a.withCart(false, true) },
		run:        get("/"),
		failStatus: 503, failText: middleware503, okStatus: 200, okText: "visitor", backoff: true,
		recover: keptCart("visitor"),
	},
	{
		name: "refresh_token grant (member with cart)", endpoint: wixtest.EndpointToken, grant: "refresh_token",
		setup:      func(a *faultApp) { a.withCart(true, true) },
		run:        get("/"),
		failStatus: 503, failText: middleware503, okStatus: 200, okText: "member", backoff: true,
		recover: keptCart("member"),
	},
	{
		name: "authorization_code grant (hosted login callback)", endpoint: wixtest.EndpointToken, grant: "authorization_code",
		setup:      func(a *faultApp) { a.withCart(false, false); a.wix.SetAutoLogin(wixtest.DemoEmail) },
		run:        get("/auth/login"),
		failStatus: 502, failText: "Wix did not complete the login", okStatus: 200, okText: "member", tokensOnly: true,
		recover: func(a *faultApp, failed bool) string {
			if failed {
				if msg := keptCart("visitor")(a, failed); msg != "" {
					return msg
				}
			}
			return a.expect("/auth/login", "member")
		},
	},
	{
		name: "authorized_client grant (external login)", endpoint: wixtest.EndpointToken, grant: "authorized_client",
		setup:      func(a *faultApp) { a.withCart(false, false) },
		run:        func(a *faultApp) (int, string, http.Header) { return a.do("POST", "/external", nil, false) },
		failStatus: 502, failText: appRoute502, okStatus: 200, okText: "member",
		recover: func(a *faultApp, failed bool) string {
			if failed {
				if msg := keptCart("visitor")(a, failed); msg != "" {
					return msg
				}
			}
			code, body, _ := a.do("POST", "/external", nil, false)
			if code != 200 || a.expect("/", "member") != "" {
				return fmt.Sprintf("external login after recovery: %d %q", code, body)
			}
			return ""
		},
	},
	{
		name: "redirect session (hosted login start)", endpoint: wixtest.EndpointRedirectSession,
		setup:      func(a *faultApp) { a.withCart(false, false) },
		run:        func(a *faultApp) (int, string, http.Header) { return a.do("GET", "/auth/login", nil, true) },
		failStatus: 502, failText: handlers502, okStatus: 200, okText: `"redirect":"` + "http",
		recover: func(a *faultApp, _ bool) string {
			a.wix.SetAutoLogin(wixtest.DemoEmail)
			return a.expect("/auth/login", "member")
		},
	},
	{
		name: "redirect session (checkout)", endpoint: wixtest.EndpointRedirectSession,
		setup:      func(a *faultApp) { a.withCart(false, false) },
		run:        get("/checkout"),
		failStatus: 502, failText: appRoute502, okStatus: 200, okText: "http",
		recover: func(a *faultApp, _ bool) string {
			if code, body, _ := a.do("GET", "/checkout", nil, false); code != 200 {
				return fmt.Sprintf("checkout after recovery: %d %q", code, body)
			}
			return keptCart("visitor")(a, true)
		},
	},
	{
		name: "login (password form)", endpoint: wixtest.EndpointLogin,
		setup:      func(a *faultApp) { a.withCart(false, false) },
		run:        postJSON("/auth/login", map[string]string{"email": wixtest.DemoEmail, "password": wixtest.DemoPassword}),
		failStatus: 502, failText: handlers502, okStatus: 200, okText: `"state":"SUCCESS"`,
		recover: func(a *faultApp, _ bool) string {
			a.wix.SetAutoLogin("")
			code, body, _ := a.do("POST", "/auth/login", map[string]string{"email": wixtest.DemoEmail, "password": wixtest.DemoPassword}, true)
			if code != 200 || !strings.Contains(body, `"state":"SUCCESS"`) {
				return fmt.Sprintf("login after recovery: %d %q", code, body)
			}
			return ""
		},
	},
	{
		name: "register", endpoint: wixtest.EndpointRegister,
		setup:      func(a *faultApp) { a.withCart(false, false) },
		run:        postJSON("/auth/register", map[string]string{"email": "new@example.com", "password": "a-long-password"}),
		failStatus: 502, failText: handlers502, okStatus: 200, okText: `"state":"SUCCESS"`,
		recover: func(a *faultApp, _ bool) string {
			code, body, _ := a.do("POST", "/auth/register", map[string]string{"email": "other@example.com", "password": "a-long-password"}, true)
			if code != 200 || !strings.Contains(body, `"state":"SUCCESS"`) {
				return fmt.Sprintf("register after recovery: %d %q", code, body)
			}
			return keptCart("visitor")(a, true)
		},
	},
	{
		name: "verify (emailed code)", endpoint: wixtest.EndpointVerify,
		setup: func(a *faultApp) {
			a.withCart(false, false)
			if code, body, _ := a.do("POST", "/auth/register", map[string]string{"email": regEmail, "password": "a-long-password"}, true); code != 202 {
				a.t.Fatalf("register: %d %q, want 202 (verification)", code, body)
			}
		},
		run: func(a *faultApp) (int, string, http.Header) {
			return a.do("POST", "/auth/verify", map[string]string{"code": a.wix.VerificationCode(regEmail)}, true)
		},
		failStatus: 502, failText: handlers502, okStatus: 200, okText: `"state":"SUCCESS"`,
		recover: func(a *faultApp, failed bool) string {
			if !failed {
				return ""
			}
			// The pending verification survived the failure.
			code, body, _ := a.do("POST", "/auth/verify", map[string]string{"code": a.wix.VerificationCode(regEmail)}, true)
			if code != 200 || !strings.Contains(body, `"state":"SUCCESS"`) {
				return fmt.Sprintf("verify after recovery: %d %q", code, body)
			}
			return ""
		},
	},
	{
		name: "recovery (password reset email)", endpoint: wixtest.EndpointRecovery,
		setup:      func(a *faultApp) { a.withCart(false, false) },
		run:        postJSON("/auth/password-reset", map[string]string{"email": wixtest.DemoEmail}),
		failStatus: 502, failText: handlers502, okStatus: 200, okText: `"flow":"password-reset"`, okOn200: true,
		recover: func(a *faultApp, _ bool) string {
			if code, body, _ := a.do("POST", "/auth/password-reset", map[string]string{"email": wixtest.DemoEmail}, true); code != 200 {
				return fmt.Sprintf("password reset after recovery: %d %q", code, body)
			}
			return keptCart("visitor")(a, true)
		},
	},
	{
		name: "cart", endpoint: wixtest.EndpointCart,
		setup:      func(a *faultApp) { a.withCart(false, false) },
		run:        get("/cart"),
		failStatus: 502, failText: appRoute502, okStatus: 200, okText: "sock x1",
		recover: keptCart("visitor"),
	},
	{
		name: "add-to-cart", endpoint: wixtest.EndpointAddToCart,
		setup:      func(a *faultApp) { a.withCart(false, false) },
		run:        func(a *faultApp) (int, string, http.Header) { return a.do("POST", "/cart/add", nil, false) },
		failStatus: 502, failText: appRoute502, okStatus: 200, okText: "added",
		recover: func(a *faultApp, failed bool) string {
			want := "sock x2"
			if failed {
				want = "sock x1" // the failed call added nothing
			}
			return a.expect("/cart", want)
		},
	},
	{
		name: "members/my", endpoint: wixtest.EndpointMembersMy,
		setup:      func(a *faultApp) { a.withCart(true, false) },
		run:        get("/me"),
		failStatus: 502, failText: appRoute502, okStatus: 200, okText: wixtest.DemoEmail,
		recover: func(a *faultApp, _ bool) string {
			if msg := a.expect("/me", wixtest.DemoEmail); msg != "" {
				return msg
			}
			return keptCart("member")(a, true)
		},
	},
}

// TestFaultMatrix: every endpoint × every fault. A failed call answers the
// browser with a clear status, writes nothing to the session, never turns
// a member into a visitor or loses a cart, and the next call after the
// back-off works again.
func TestFaultMatrix(t *testing.T) {
	for _, op := range faultOps {
		for _, fc := range faultCases {
			if fc.tokenOnly && op.endpoint != wixtest.EndpointToken {
				continue
			}
			t.Run(op.name+"/"+fc.name, func(t *testing.T) {
				t.Parallel()
				runFault(t, op, fc)
			})
		}
	}
}

func runFault(t *testing.T, op faultOp, fc faultCase) {
	a := newFaultApp(t)
	if op.setup != nil {
		op.setup(a)
	}
	a.resetCounts()
	before := a.snap()
	if op.setup != nil && before.tokens == nil {
		t.Fatal("the setup left no session to protect: the test would prove nothing")
	}
	a.setErr(nil)
	f := fc.fault
	f.Grant = op.grant
	a.wix.Fail(op.endpoint, f)
	code, body, hdr := op.run(a)

	want := fc.kind
	if op.okOn200 && fc.fault.Status == 200 {
		want = "ok"
	}
	if got := errKind(a.err()); got != want {
		t.Errorf("the library returned %q (%v), want %q", got, a.err(), want)
	}
	failed := want != "ok"
	switch {
	case !failed:
		if code != op.okStatus || !strings.Contains(body, op.okText) {
			t.Errorf("got %d %.200q, want %d with %q", code, body, op.okStatus, op.okText)
		}
	default:
		if code != op.failStatus || !strings.Contains(body, op.failText) {
			t.Errorf("got %d %.200q, want %d with %q", code, body, op.failStatus, op.failText)
		}
		if code == 503 {
			wantRetry := "5"
			if fc.fault.Status == 429 {
				wantRetry = "1" // Wix's own
			}
			if got := hdr.Get("Retry-After"); got != wantRetry {
				t.Errorf("Retry-After = %q, want %q", got, wantRetry)
			}
		}
		if diff := a.unchangedSince(before, op.tokensOnly); diff != "" {
			t.Errorf("a failed call changed the session: %s", diff)
		}
	}
	if op.grant != "anonymous" && a.wix.TokenCalls("anonymous") != 0 {
		t.Errorf("a new visitor session was started: the browser lost its identity")
	}

	a.wix.ClearFaults()
	if failed && op.backoff {
		wait := 2 * faultBackoff
		if fc.fault.Status == 429 {
			wait = 1100 * time.Millisecond // Wix's Retry-After outlasts RetryBackoff
		}
		time.Sleep(wait)
	}
	if msg := op.recover(a, failed); msg != "" {
		t.Errorf("after Wix recovered: %s", msg)
	}
}

// Under an outage and parallel load, each session calls the token endpoint
// once per back-off, whatever the number of its requests, and every
// session is back (same member) after the back-off.
func TestBackOffUnderLoad(t *testing.T) {
	const sessions, perSession = 8, 16
	const backoff = time.Second
	h := newHarness(t, func(c *wixauth.Config) { c.RetryBackoff = backoff }, nil)
	browsers := make([]*http.Client, sessions)
	for i := range browsers {
		jar, _ := cookiejar.New(nil)
		browsers[i] = &http.Client{Jar: jar, Timeout: 10 * time.Second}
		b, _ := json.Marshal(h.memberTokens(time.Now().Add(-time.Minute)))
		resp, err := browsers[i].Post(h.app.URL+"/seed", "application/json", bytes.NewReader(b))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("seed: %v", err)
		}
		resp.Body.Close()
	}
	h.resetCounts()
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 503, Grant: "refresh_token"})

	burst := func() (codes map[int]int, elapsed time.Duration) {
		start := time.Now()
		var mu sync.Mutex
		codes = map[int]int{}
		var wg sync.WaitGroup
		for _, b := range browsers {
			for range perSession {
				wg.Add(1)
				go func() {
					defer wg.Done()
					code := 0
					if resp, err := b.Get(h.app.URL + "/"); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						code = resp.StatusCode
					}
					mu.Lock()
					codes[code]++
					mu.Unlock()
				}()
			}
		}
		wg.Wait()
		return codes, time.Since(start)
	}

	codes, elapsed := burst()
	if codes[503] != sessions*perSession {
		t.Fatalf("during the outage: %v, want every request 503", codes)
	}
	// One call per session per back-off window the burst spanned.
	limit := sessions * (1 + int(elapsed/backoff))
	if n := h.wix.TokenCalls("refresh_token"); n < sessions || n > limit {
		t.Errorf("%d refresh calls for %d sessions × %d requests in %v, want %d..%d", n, sessions, perSession, elapsed, sessions, limit)
	}
	if n := h.wix.TokenCalls("anonymous"); n != 0 || h.store.commits.Load() != 0 {
		t.Errorf("%d anonymous calls, %d store writes during the outage, want none", n, h.store.commits.Load())
	}

	h.wix.ClearFaults()
	time.Sleep(backoff + 100*time.Millisecond)
	h.wix.ResetCounters()
	codes, _ = burst()
	if codes[200] != sessions*perSession {
		t.Errorf("after the outage: %v, want every request 200", codes)
	}
	if n := h.wix.TokenCalls(""); n != sessions {
		t.Errorf("%d token calls to recover %d sessions, want one each", n, sessions)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, tok := range h.seen[len(h.seen)-sessions*perSession:] {
		if !tok.LoggedIn() {
			t.Fatal("a member came back as a visitor")
		}
	}
}

// The refresh_token grant under the answers a real Wix may give outside
// our fake: the OAuth error codes by meaning, whatever the status, and
// token lifetimes shorter than the renewal margin. docs/reliability.md has
// the table.
func TestFaultMatrixRefreshGrantAnswers(t *testing.T) {
	const giveUp = 250 * time.Millisecond
	oauth := func(code string) string { return `{"error":"` + code + `","error_description":"injected"}` }
	for _, member := range []bool{false, true} {
		role := map[bool]string{false: "visitor", true: "member"}[member]
		for _, c := range []struct {
			name  string
			fault wixtest.Fault
			// ends: the session ends at once (invalid_grant), or only after
			// GiveUpAfter (other answers that are not transient).
			endsAtOnce bool
		}{
			{"400 invalid_grant", wixtest.Fault{Status: 400, Body: oauth("invalid_grant")}, true},
			{"401 invalid_grant", wixtest.Fault{Status: 401, Body: oauth("invalid_grant")}, true},
			{"403 invalid_grant", wixtest.Fault{Status: 403, Body: oauth("invalid_grant")}, true},
			{"400 invalid_request", wixtest.Fault{Status: 400, Body: oauth("invalid_request")}, false},
			{"400 unsupported_grant_type", wixtest.Fault{Status: 400, Body: oauth("unsupported_grant_type")}, false},
			{"401 invalid_client", wixtest.Fault{Status: 401, Body: oauth("invalid_client")}, false},
			{"401 unauthorized_client", wixtest.Fault{Status: 401, Body: oauth("unauthorized_client")}, false},
			{"403 no code", wixtest.Fault{Status: 403}, false},
			{"404 HTML page", wixtest.Fault{Status: 404, Body: htmlPage}, false},
		} {
			t.Run(role+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				a := newFaultApp(t)
				a.withCart(member, true)
				before := a.snap()
				f := c.fault
				f.Grant = "refresh_token"
				a.wix.Fail(wixtest.EndpointToken, f)
				if !c.endsAtOnce {
					// Not transient, yet not a refusal: 503 and the session
					// untouched, until GiveUpAfter.
					code, body, _ := a.do("GET", "/", nil, false)
					if code != 503 || !strings.Contains(body, middleware503) {
						t.Fatalf("got %d %q, want 503 while it fails", code, body)
					}
					if diff := a.unchangedSince(before, false); diff != "" {
						t.Errorf("a failed renewal changed the session: %s", diff)
					}
					time.Sleep(giveUp)
				}
				// The loop ends at the first 200; the deadline only bounds a
				// session that never ends, generously, since on a loaded
				// machine one request can take longer than 4 × giveUp.
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
					code, body, _ := a.do("GET", "/", nil, false)
					if code == 200 {
						if body != "visitor" {
							t.Errorf("after the session ended: %q, want a new visitor", body)
						}
						break
					}
					time.Sleep(faultBackoff)
				}
				if n := a.wix.TokenCalls("anonymous"); n != 1 {
					t.Errorf("%d anonymous calls, want 1 new visitor", n)
				}
				if msg := a.expect("/cart", "empty"); msg != "" {
					t.Errorf("the new visitor: %s", msg)
				}
				a.resetCounts()
				if msg := a.expect("/", "visitor"); msg != "" || a.wix.TokenCalls("") != 0 {
					t.Errorf("the session did not settle: %s, %d token calls", msg, a.wix.TokenCalls(""))
				}
			})
		}
	}
}

// Wix may give access tokens that live less than the renewal margin: the
// session works, its cart is kept, and a storm renews once.
func TestFaultMatrixShortLifetimes(t *testing.T) {
	// 2 s rather than 1 s on the real clock, so that a loaded machine does
	// not pass half a lifetime between two requests (the frozen clock of
	// TestShortLifetimesRenewOncePerStorm covers 1 s exactly).
	for _, lifetime := range []time.Duration{2 * time.Second, time.Minute} {
		t.Run(lifetime.String(), func(t *testing.T) {
			h := newHarnessWix(t, []wixtest.Option{wixtest.WithAccessTokenLifetime(lifetime)}, nil, cartApp)
			if code, n := h.post("/"); code != 200 || n != "1" {
				t.Fatalf("add to cart: %d %q", code, n)
			}
			h.resetCounts()
			if code, n := h.get("/"); code != 200 || n != "1" {
				t.Fatalf("the next request: %d %q", code, n)
			}
			if n := h.wix.TokenCalls(""); n != 0 {
				t.Errorf("%d token calls on the request after the token was issued, want 0", n)
			}
			if lifetime > 2*time.Second {
				return // the 2 s case covers the renewal; a minute is too long to wait
			}
			time.Sleep(lifetime/2 + 10*time.Millisecond)
			var wg sync.WaitGroup
			for range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if code, n := h.get("/"); code != 200 || n != "1" {
						t.Errorf("during the storm: %d %q", code, n)
					}
				}()
			}
			wg.Wait()
			if n := h.wix.TokenCalls("refresh_token"); n < 1 || n > 2 {
				// 2 if the storm spans the next half-second.
				t.Errorf("%d refresh calls for a storm of 10, want 1", n)
			}
		})
	}
}
