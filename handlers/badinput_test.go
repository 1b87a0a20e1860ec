package handlers_test

// Hostile input to the member handlers that the other tests leave out:
// callback queries that are repeated, malformed or enormous, form bodies of
// every wrong shape and size, and more returnTo tricks. Each gets a clear
// 4xx (or a safe redirect), makes no call to Wix and leaves the session
// exactly as it was (see unchanged in callback_test.go).

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// fetch sends req with the browser's cookies, without following
// redirects, and returns status, Location and body.
func (b *browser) fetch(req *http.Request) (int, string, string) {
	b.e.t.Helper()
	c := *b.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

func TestCallbackHostileQueries(t *testing.T) {
	e := newEnv(t, options{})
	b := visitorWithCart(t, e)
	full := b.startLogin("/account") // a login under way, which must survive
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	genuine := b.callbackURL(full)
	u, _ := url.Parse(genuine)
	state := u.Query().Get("state")
	big := strings.Repeat("A", 64<<10)

	for _, tc := range []struct {
		name, query string
		status      int
		want        string // in the body, or the start of Location for a 303
	}{
		{"repeated code", "code=a&code=b&state=" + state, 400, "malformed"},
		{"repeated error", "error=access_denied&error=x&state=" + state, 400, "malformed"},
		{"repeated error_description", "error=x&error_description=a&error_description=b&state=" + state, 400, "malformed"},
		{"bad escape", "code=%zz&state=" + state, 400, "malformed"},
		{"semicolon separator", "code=a;state=" + state, 400, "malformed"},
		{"only state", "state=" + state, 400, "no code or no state"},
		{"empty values", "code=&state=", 400, "no code or no state"},
		{"huge code, unknown state", "code=" + big + "&state=nope", 400, "unknown, expired"},
		{"huge state", "code=a&state=" + big, 400, "unknown, expired"},
		{"NUL state", "code=a&state=%00", 400, "unknown, expired"},
		{"state of another session", "code=a&state=" + strings.Repeat("x", len(state)), 400, "unknown, expired"},
		{"error, huge description", "error=access_denied&error_description=" + big + "&state=nope", 303, cancelledForm},
		{"error, huge code", "error=" + big + "&state=nope", 303, cancelledForm},
		{"error, header injection", "error=x%0d%0aSet-Cookie:%20a=b&state=nope", 303, cancelledForm},
		{"over the server's header limit", "code=" + strings.Repeat("A", 1<<20+8<<10) + "&state=nope", 431, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unchanged(t, e, b, func() {
				req, _ := http.NewRequest("GET", e.app+"/auth/callback?"+tc.query, nil)
				status, loc, body := b.fetch(req)
				got := body
				if status == 303 {
					got = loc
				}
				if status != tc.status || !strings.HasPrefix(got, tc.want) && !strings.Contains(got, tc.want) {
					t.Errorf("%d %.120q, want %d with %.120q", status, got, tc.status, tc.want)
				}
				if len(loc) > 1024 {
					t.Errorf("a %d-byte Location: the error is not truncated", len(loc))
				}
			})
		})
	}
	if n := len(e.tokenRequests("authorization_code")); n != 0 {
		t.Errorf("%d code exchanges for refused callbacks", n)
	}
	if p := b.get("/cart"); p.Body != "sock x1" {
		t.Errorf("cart = %q after the refused callbacks", p.Body)
	}
	if p := b.get(genuine); p.Body != "member /account" {
		t.Errorf("the genuine callback after the hostile ones: %d %q", p.StatusCode, p.Body)
	}
}

// body is one hostile request body.
type body struct {
	name, ct string
	data     func() io.Reader
	status   int
	want     string
}

func fixed(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }

// unsized hides the length, so the body arrives chunked.
type unsized struct{ io.Reader }

func hostileBodies() []body {
	tenMB := strings.Repeat("a", 10<<20)
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("email", wixtest.DemoEmail)
	fw, _ := mw.CreateFormFile("file", "big.bin")
	fw.Write([]byte(tenMB))
	mw.Close()
	const form = "application/x-www-form-urlencoded"
	return []body{
		{"no content type", "", fixed("email=a&password=b"), 415, "application/x-www-form-urlencoded"},
		{"text/plain", "text/plain", fixed("email=a&password=b"), 415, ""},
		{"xml", "application/xml", fixed("<login/>"), 415, ""},
		{"form, field over 4 KiB", form, fixed("email=" + strings.Repeat("a", 5000) + "&password=x&code=1&returnTo=/"), 400, "too long"},
		{"form, non-UTF-8", form, fixed("email=%ff%fe&password=x&code=1&returnTo=/"), 400, "not UTF-8"},
		{"form, latin-1", form + "; charset=iso-8859-1", fixed("email=caf%e9@example.com&password=x&code=1&returnTo=/"), 400, "not UTF-8"},
		{"form, repeated field", form, fixed("email=a&email=b&password=x&code=1&code=2&returnTo=/&returnTo=//evil"), 400, "more than once"},
		{"form, bad escape", form, fixed("email=%zz&password=x&returnTo=%zz"), 400, "could not be read"},
		{"form, 10 MB", form, fixed("email=" + tenMB), 413, "too large"},
		{"form, 10 MB chunked", form, func() io.Reader { return unsized{strings.NewReader("email=" + tenMB)} }, 413, "too large"},
		{"multipart, 10 MB file", mw.FormDataContentType(), func() io.Reader { return bytes.NewReader(mp.Bytes()) }, 413, "too large"},
		{"json array", "application/json", fixed(`["a"]`), 400, "not a JSON object"},
		{"json number field", "application/json", fixed(`{"email":1,"returnTo":1}`), 400, "must be a string"},
		{"json nested field", "application/json", fixed(`{"email":{"$ne":""},"returnTo":["/"]}`), 400, "must be a string"},
		{"json truncated", "application/json", fixed(`{"email":"a`), 400, "not a JSON object"},
		{"json 10 MB", "application/json", fixed(`{"email":"` + tenMB + `"}`), 413, "too large"},
		{"json, field over 4 KiB", "application/json", fixed(`{"email":"` + strings.Repeat("a", 5000) + `","returnTo":"/"}`), 400, "too long"},
	}
}

// Every form handler refuses every hostile body the same way, before Wix,
// and a member who sent it is still the same member: in particular a
// logout whose body cannot be read does not log out.
func TestFormHostileBodies(t *testing.T) {
	e := newEnv(t, options{})
	b := member(t, e)
	tok := b.tokens()
	calls := len(e.wix.Requests())
	for _, path := range []string{"/auth/login", "/auth/register", "/auth/verify", "/auth/password-reset", "/auth/logout"} {
		for _, bd := range hostileBodies() {
			t.Run(path+" "+bd.name, func(t *testing.T) {
				b := b
				if path == "/auth/logout" {
					// A logout that wrongly went through must not
					// spoil the next case.
					b = member(t, e)
					calls = len(e.wix.Requests())
				}
				unchanged(t, e, b, func() {
					req, _ := http.NewRequest("POST", e.app+path, bd.data())
					if bd.ct != "" {
						req.Header.Set("Content-Type", bd.ct)
					}
					req.Header.Set("Accept", "application/json")
					status, _, body := b.fetch(req)
					if status != bd.status || !strings.Contains(body, bd.want) {
						t.Errorf("%d %.200q, want %d with %q", status, body, bd.status, bd.want)
					}
				})
				if n := len(e.wix.Requests()) - calls; n != 0 {
					t.Errorf("%d calls reached Wix", n)
					calls += n
				}
			})
		}
	}
	if b.tokens() != tok {
		t.Errorf("the member's tokens changed")
	}
}

// Well-formed bodies with empty fields: a clear 400 before any call to
// Wix, and the session as it was.
func TestFormEmptyFields(t *testing.T) {
	e := newEnv(t, options{})
	b := visitorWithCart(t, e)
	calls := len(e.wix.Requests())
	for _, tc := range []struct{ path, want string }{
		{"/auth/login", `"errorCode":"missingFields"`},
		{"/auth/register", `"errorCode":"missingFields"`},
		{"/auth/password-reset", `"errorCode":"missingFields"`},
		{"/auth/verify", `"errorCode":"noVerification"`},
	} {
		for name, fields := range map[string]url.Values{
			"no fields":    {},
			"empty values": {"email": {""}, "password": {""}, "code": {""}},
		} {
			t.Run(tc.path+" "+name, func(t *testing.T) {
				unchanged(t, e, b, func() {
					req := b.formRequest(tc.path, fields)
					req.Header.Set("Accept", "application/json")
					status, _, body := b.fetch(req)
					if status != 400 || !strings.Contains(body, tc.want) {
						t.Errorf("%d %.200q, want 400 with %q", status, body, tc.want)
					}
				})
			})
		}
	}
	if n := len(e.wix.Requests()) - calls; n != 0 {
		t.Errorf("%d calls reached Wix for empty forms", n)
	}
}

// More returnTo tricks than returnto_test.go's list: refused, or accepted
// only as a local path.
func TestReturnToMoreTricks(t *testing.T) {
	for _, raw := range []string{
		"/\\/evil.example",
		"https://shop.example.com\\@evil.example",
		"https://shop.example.com%2f@evil.example",
		"https://evil.example%2f@shop.example.com",
		"https://shop.example.com%40evil.example/",
		"https://shop.example.com./",
		"https://shop.example.com:443/",
		"//shop.example.com/",
		"HTTPS://EVIL.EXAMPLE/",
		" javascript:alert(1)",
		"javascript:%2f%2f%0aalert(1)",
		"java\tscript:alert(1)",
		"/.%2e/evil.example",
		"/%2e%2e%2f%2e%2e%2fevil.example",
		"%0d%0a/evil.example",
		"/evil.example\n",
		"\x00/x",
	} {
		if got, ok := handlers.SafeReturnTo(raw, base); ok {
			t.Errorf("SafeReturnTo(%q) = %q, accepted", raw, got)
		}
	}
	// Odd but local: accepted, and still a path on the app.
	for _, raw := range []string{
		"/?next=//evil.example",
		"https://shop.example.com#@evil.example",
		"/%E2%80%A8//evil.example",
		"/x/..;/evil.example",
		"/%252f%252fevil.example",
	} {
		got, ok := handlers.SafeReturnTo(raw, base)
		if !ok {
			t.Errorf("SafeReturnTo(%q) refused a local path", raw)
			continue
		}
		if msg := notLocal(got); msg != "" {
			t.Errorf("SafeReturnTo(%q) = %q: %s", raw, got, msg)
		}
	}
}

// A repeated returnTo in the query: the first wins, the second is never
// used, whatever it says.
func TestReturnToRepeatedInQuery(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	if p := b.get("/auth/login?returnTo=/ok&returnTo=//evil.example"); p.Body != "member /ok" {
		t.Errorf("landed on %s %q, want member /ok", p.URL(), p.Body)
	}
}

// An email of spaces is refused here, without a call to Wix.
func TestBlankEmailCostsNoCall(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.get("/")
	before := e.wix.Count(wixtest.EndpointLogin)
	p := b.post("/auth/login", url.Values{"email": {"   "}, "password": {"x"}})
	if e.wix.Count(wixtest.EndpointLogin) != before {
		t.Errorf("a blank email reached Wix")
	}
	if p.URL().Query().Get("errorCode") != string(handlers.ErrorCodeMissingFields) {
		t.Errorf("landed on %s, want the form with an error", p.URL())
	}
}

// cancelledForm is where a hosted login that came back with an error goes:
// the form page with a fixed code, whatever Wix's error said.
const cancelledForm = "/auth/form?errorCode=loginCancelled&flow=callback&returnTo=%2F&state=FAILURE"
