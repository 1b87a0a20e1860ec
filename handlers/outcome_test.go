package handlers_test

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/wixtest"
)

// The README's one-line app has no login page of its own: a cancelled
// hosted login and a wrong password land on the built-in page, never on a
// 404.
func TestOneLineAppNever404s(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	var root http.Handler
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { root.ServeHTTP(w, r) }))
	auth, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: "http://" + app.Listener.Addr().String(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "home") })
	handlers.Mount(mux, auth, "/auth")
	wix.AllowRedirectURI(auth.Config().BaseURL + "/auth/callback")
	root = auth.Middleware(mux)
	app.Start()
	defer app.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}

	// A hosted login, cancelled on Wix's page.
	resp, err := c.Get(app.URL + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	loginPage, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cancel := strings.SplitN(strings.SplitN(string(loginPage), `id="wixtest-cancel" href="`, 2)[1], `"`, 2)[0]
	resp, err = c.Get(html.UnescapeString(cancel))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(html.UnescapeString(string(body)), handlers.Message(handlers.ErrorCodeLoginCancelled)) {
		t.Errorf("cancelled login: %d at %s, want the form page with the message", resp.StatusCode, resp.Request.URL)
	}

	// A wrong password on a plain form post.
	form := url.Values{"email": {wixtest.DemoEmail}, "password": {"wrong-password"}}
	req, _ := http.NewRequest(http.MethodPost, app.URL+"/auth/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", app.URL)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(html.UnescapeString(string(body)), handlers.Message(handlers.ErrorCodeInvalidCredentials)) {
		t.Errorf("wrong password: %d at %s, want the form page with the message", resp.StatusCode, resp.Request.URL)
	}
}

// By default a wrong email and a wrong password are one code and one
// message; DetailedLoginErrors tells them apart.
func TestLoginErrorsGenericByDefault(t *testing.T) {
	for _, detailed := range []bool{false, true} {
		e := newEnv(t, options{handlers: func(c *handlers.Config) { c.DetailedLoginErrors = detailed }})
		b := e.browser()
		_, wrongPw := b.postJSON("/auth/login", map[string]string{"email": wixtest.DemoEmail, "password": "wrong-password"})
		_, noMember := b.postJSON("/auth/login", map[string]string{"email": "nobody@example.com", "password": "wrong-password"})
		same := wrongPw.ErrorCode == noMember.ErrorCode && wrongPw.Error == noMember.Error
		if !detailed && (!same || wrongPw.ErrorCode != string(handlers.ErrorCodeInvalidCredentials)) {
			t.Errorf("default: %+v and %+v, want one code and message", wrongPw, noMember)
		}
		if detailed && (wrongPw.ErrorCode != string(identity.ErrorCodeInvalidPassword) || noMember.ErrorCode != string(identity.ErrorCodeInvalidEmail)) {
			t.Errorf("detailed: %+v and %+v", wrongPw, noMember)
		}
	}
}

// With OutcomeInSession the form page's URL carries nothing, and the
// outcome is read once.
func TestOutcomeInSession(t *testing.T) {
	e := newEnv(t, options{handlers: func(c *handlers.Config) { c.OutcomeInSession = true }})
	b := e.browser()
	p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {"wrong-password"}, "returnTo": {"/shop"}})
	if p.URL().Path != "/auth/form" || p.URL().RawQuery != "" {
		t.Fatalf("landed on %s, want /auth/form with no query", p.URL())
	}
	text := html.UnescapeString(p.Body)
	if !strings.Contains(text, handlers.Message(handlers.ErrorCodeInvalidCredentials)) || !strings.Contains(text, `value="/shop"`) {
		t.Fatalf("the page lacks the outcome: %s", p.Body)
	}
	if again := b.get("/auth/form"); strings.Contains(html.UnescapeString(again.Body), handlers.Message(handlers.ErrorCodeInvalidCredentials)) {
		t.Errorf("the outcome was shown twice")
	}
}

// An app's own page reads the outcome with Outcome: codes it knows, a
// local returnTo, nothing else from the URL.
func TestOutcomeFromQueryIsCleaned(t *testing.T) {
	e := newEnv(t, options{})
	r := httptest.NewRequest(http.MethodGet, "/login?flow=login&state=FAILURE&errorCode=%3Cscript%3E&returnTo=https://evil.example/&error=free+text", nil)
	var got handlers.Outcome
	e.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = e.h.Outcome(r) })).ServeHTTP(httptest.NewRecorder(), r)
	if got != (handlers.Outcome{Flow: handlers.FlowLogin, State: identity.LoginFailure}) {
		t.Errorf("Outcome = %+v, want flow and state only", got)
	}
	if got.Message() != handlers.Message(handlers.ErrorCodeRefused) {
		t.Errorf("Message = %q", got.Message())
	}
}

// A JSON client reads the outcome from the answer: nothing is left in its
// session for the form page to show later.
func TestOutcomeInSessionJSON(t *testing.T) {
	e := newEnv(t, options{handlers: func(c *handlers.Config) { c.OutcomeInSession = true }})
	b := e.browser()
	status, res := b.postJSON("/auth/login", map[string]string{"email": wixtest.DemoEmail, "password": "wrong-password"})
	if status != http.StatusUnauthorized || res.ErrorCode != string(handlers.ErrorCodeInvalidCredentials) || res.Redirect != "/auth/form" {
		t.Fatalf("JSON: %d %+v", status, res)
	}
	if p := b.get("/auth/form"); strings.Contains(html.UnescapeString(p.Body), handlers.Message(handlers.ErrorCodeInvalidCredentials)) {
		t.Errorf("the form page shows the JSON client's outcome")
	}
}
