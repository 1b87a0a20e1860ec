package handlers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/handlers"
)

// apiEnv is an env with an API route behind RequireMemberAPI.
func apiEnv(t *testing.T) *env {
	return newEnv(t, options{mount: func(h *handlers.Handlers, mux *http.ServeMux) {
		h.Mount(mux)
		mux.Handle("GET /api/members-only", h.RequireMemberAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"ok":true}`)
		})))
	}})
}

// notMember401 checks a 401 with the login URL as JSON.
func notMember401(t *testing.T, what string, status int, loc, body, returnTo string) {
	t.Helper()
	var out struct{ ErrorCode, Login string }
	if status != http.StatusUnauthorized || loc != "" || json.Unmarshal([]byte(body), &out) != nil ||
		out.ErrorCode != "notMember" || out.Login != "/auth/login?returnTo="+returnTo {
		t.Errorf("%s: %d to %q %s, want 401 with the login URL as JSON", what, status, loc, body)
	}
}

// RequireMemberAPI answers a visitor 401 whatever the request says: curl
// and fetch() send Accept: */*, which RequireMember takes for a page load
// (issue #22, item 7). A member gets through.
func TestRequireMemberAPI(t *testing.T) {
	e := apiEnv(t)
	b := e.browser()
	for _, accept := range []string{"*/*", "", "text/html,application/xhtml+xml,*/*;q=0.8"} {
		req, _ := http.NewRequest(http.MethodGet, e.app+"/api/members-only", nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		status, loc, body := b.fetch(req)
		notMember401(t, "Accept "+accept, status, loc, body, "%2Fapi%2Fmembers-only")
	}
	m := member(t, e)
	if p := m.get("/api/members-only"); p.StatusCode != http.StatusOK || p.Body != `{"ok":true}` {
		t.Errorf("member: %d %q", p.StatusCode, p.Body)
	}
}

// RequireMember answers a browser's fetch() (Sec-Fetch-Mode: cors or
// same-origin, Accept: */*) with 401, and still sends a page load
// (Sec-Fetch-Mode: navigate) to the login. Before, fetch() was redirected
// to the login page and got Wix's HTML (issue #22, item 7).
func TestRequireMemberFetchGets401(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	for _, mode := range []string{"cors", "same-origin", "no-cors"} {
		req, _ := http.NewRequest(http.MethodGet, e.app+"/members-only", nil)
		req.Header.Set("Accept", "*/*")
		req.Header.Set("Sec-Fetch-Mode", mode)
		status, loc, body := b.fetch(req)
		notMember401(t, "fetch, Sec-Fetch-Mode "+mode, status, loc, body, "%2Fmembers-only")
	}
	req, _ := http.NewRequest(http.MethodGet, e.app+"/members-only", nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	if status, loc, _ := b.fetch(req); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/auth/login?returnTo=") {
		t.Errorf("page load: %d to %q, want 303 to the login", status, loc)
	}
}

// RequireMember mounted outside the middleware answers 500 with the fix,
// and logs it; before, it sent every visitor to the login, which came
// back to the page as a visitor again, in a loop (issue #22, item 2).
func TestRequireMemberWithoutMiddleware(t *testing.T) {
	e := newEnv(t, options{})
	mux := http.NewServeMux()
	mux.Handle("GET /account", e.h.RequireMember(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "members only")
	})))
	srv := httptest.NewServer(mux) // no Auth.Middleware
	t.Cleanup(srv.Close)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(srv.URL + "/account")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "Auth.Middleware") {
		t.Errorf("without the middleware: %d to %q %q, want 500 naming Auth.Middleware", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "RequireMember ran without the Auth's middleware") || !strings.Contains(logs, "path=/account") {
		t.Errorf("log: %q, want an Error naming the fix and the path", logs)
	}
	t.Logf("answer: %d %s\nlog: %s", resp.StatusCode, body, logs)
}
