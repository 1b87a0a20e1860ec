package main

// One simulated browser: a cookie jar, the requests of its scenario, and
// what it expects to find on each (its role, its cart's owner and size).
// A session is lost when a browser finds another role or cart owner
// without having logged in or out.

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/internal/testbrowser"
)

type browser struct {
	r   *runner
	ctx context.Context
	c   *http.Client
	n   int // session number

	role  string // expected role ("": not known)
	owner string // expected cart owner ("" until something was added)
	items int    // expected number of items (-1: not known)
	lost  string // why the session was lost, if it was
	err   bool   // an unexpected answer
	fails []string
	hit   bool // a request of the current step failed in an outage
	// renewHit: a login or logout failed in an outage, after which the old
	// cookie may lead to a renewal marker (see stuck).
	renewHit bool
	stuck    string // why the session got stuck on a renewal marker, if it did
}

// step runs one step of the story, and again once Redis is back if a
// request of it failed during an outage (a few times at most: the outages
// of a run are few and short).
func (b *browser) step(fn func()) {
	for try := 1; b.stuck == ""; try++ {
		b.hit = false
		fn()
		if !b.hit || try == 5 {
			return
		}
		b.r.outages.wait()
	}
}

func (r *runner) newBrowser(ctx context.Context, n int) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{r: r, ctx: ctx, n: n, c: &http.Client{Jar: jar, Transport: r.tr, Timeout: 15 * time.Second}}
}

// do sends one request (following redirects), counted and timed; it
// returns the final status, body and URL, or status 0 after a failure.
func (b *browser) do(method, target, ct string, body io.Reader) (int, []byte, *url.URL) {
	if b.stuck != "" {
		return 0, nil, nil // the story ends here: nothing after it means anything
	}
	if strings.HasPrefix(target, "/") {
		target = b.r.app + target
	}
	req, err := http.NewRequestWithContext(b.ctx, method, target, body)
	if err != nil {
		b.fail("build "+method, err.Error())
		return 0, nil, nil
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if method == http.MethodPost {
		// As a browser does: a form or fetch from the app's pages posts to
		// the app, one on Wix's login page to Wix.
		req.Header.Set("Origin", req.URL.Scheme+"://"+req.URL.Host)
	}
	b.r.sem <- struct{}{}
	start := time.Now()
	resp, err := b.c.Do(req)
	var out []byte
	if err == nil {
		out, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	end := time.Now()
	b.r.stats.request(end.Sub(start))
	<-b.r.sem
	var kind string
	switch {
	case err != nil:
		kind = "network: " + rootCause(err)
	case resp.StatusCode >= 400:
		kind = fmt.Sprintf("status %d", resp.StatusCode)
	}
	if kind != "" && b.r.outages.covers(start, end) {
		b.hit = true
		b.r.stats.outageError(method + " " + pathClass(req.URL) + ": " + kind)
		return 0, nil, nil
	}
	if err != nil {
		b.fail(method+" "+pathClass(req.URL), kind)
		return 0, nil, nil
	}
	if resp.StatusCode >= 400 {
		b.fail(method+" "+pathClass(req.URL), kind)
	}
	return resp.StatusCode, out, resp.Request.URL
}

// fail counts a failure outside the outages.
// The runner counts them once the story is over (see load): those of a
// stuck session are symptoms of being stuck.
func (b *browser) fail(what, kind string) {
	b.err = true
	b.fails = append(b.fails, what+": "+kind)
}

func (b *browser) loseSession(why string) {
	if b.lost == "" {
		b.lost = why + " (" + b.r.outages.near(time.Now()) + ")"
	}
}

// session checks the role the app sees and returns the access token expiry.
func (b *browser) session() int64 {
	status, body, _ := b.do("GET", "/api/session", "", nil)
	var s struct {
		Role      string `json:"role"`
		ExpiresAt int64  `json:"expiresAt"`
	}
	if status != 200 || json.Unmarshal(body, &s) != nil {
		return 0
	}
	switch {
	case s.Role == "none" && b.renewHit:
		// No tokens at all: the request was served on a throwaway session,
		// which is what a cookie that leads to a renewal marker gets. A
		// login or logout renewed the session ID and wrote the marker, then
		// failed to save the new session, so the browser kept its old
		// cookie: it has no working session until the marker expires.
		if b.stuck == "" {
			b.stuck = fmt.Sprintf("served without a session (role none) after a login or logout failed in an outage, want %s", b.role)
		}
	case b.role != "" && s.Role != b.role:
		b.loseSession(fmt.Sprintf("role %s, want %s", s.Role, b.role))
	}
	b.role = s.Role
	return s.ExpiresAt
}

// cartAnswer is what /api/cart and POST /api/cart answer.
type cartAnswer struct {
	Cart struct {
		LineItems []struct{ Quantity int } `json:"lineItems"`
		BuyerInfo struct {
			VisitorID string `json:"visitorId"`
			MemberID  string `json:"memberId"`
		} `json:"buyerInfo"`
	} `json:"cart"`
}

func (c cartAnswer) owner() string { return c.Cart.BuyerInfo.VisitorID + c.Cart.BuyerInfo.MemberID }

func (c cartAnswer) count() int {
	n := 0
	for _, li := range c.Cart.LineItems {
		n += li.Quantity
	}
	return n
}

// checkCart: the cart has the expected owner and items.
func (b *browser) checkCart() {
	status, body, _ := b.do("GET", "/api/cart", "", nil)
	var c cartAnswer
	if status != 200 || json.Unmarshal(body, &c) != nil {
		return
	}
	if c.owner() != b.owner || (b.items >= 0 && c.count() != b.items) {
		b.loseSession(fmt.Sprintf("cart of %q with %d items, want %q with %d", c.owner(), c.count(), b.owner, b.items))
	}
	b.items = c.count()
}

// add puts one item in the cart, as the same owner as before, if any.
func (b *browser) add() {
	status, body, _ := b.do("POST", "/api/cart", "", nil)
	var c cartAnswer
	if status != 200 || json.Unmarshal(body, &c) != nil {
		if b.hit {
			// Wix may have added the item before the session save failed.
			b.items = -1
		}
		return
	}
	if b.owner != "" && c.owner() != b.owner {
		b.loseSession("the cart changed owner on add")
	}
	if b.items >= 0 && c.count() != b.items+1 {
		b.loseSession(fmt.Sprintf("%d items after add, want %d", c.count(), b.items+1))
	}
	b.owner, b.items = c.owner(), c.count()
}

// loggedIn starts a new identity: a member whose cart holds what the
// visitor's held, which the example carries at login (example/cartcarry.go).
// A login step that failed in an outage and ran again may have carried the
// items twice or not at all: the count is not known then (-1).
func (b *browser) loggedIn() {
	b.role, b.owner = "", ""
	if b.session(); b.role != "member" && !b.hit && b.stuck == "" {
		b.fail("login", "not a member after login, but "+b.role)
	}
}

var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// hostedLogin: through Wix's login page, with real redirects both ways.
func (b *browser) hostedLogin(email, password string) {
	status, body, at := b.do("GET", "/auth/login?returnTo=/api/session", "", nil)
	m := formAction.FindSubmatch(body)
	if b.hit {
		return
	}
	if status != 200 || m == nil || !strings.HasPrefix(at.String(), b.r.wixURL) {
		b.fail("login page", fmt.Sprintf("status %d at %v", status, at))
		return
	}
	form := url.Values{"email": {email}, "password": {password}}
	b.do("POST", html.UnescapeString(string(m[1])), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if b.hit {
		b.loginHit()
		return
	}
	b.loggedIn()
}

// passwordLogin: the app's JSON form, then the direct-login page, whose
// script (played here as the handlers' tests play it, see
// testbrowser.ParseDirectLoginPage) loads Wix's web_message page in a frame
// and posts the code it hands over back to the app.
func (b *browser) passwordLogin(email, password string) {
	in, _ := json.Marshal(map[string]string{"email": email, "password": password, "returnTo": "/api/session"})
	status, body, _ := b.do("POST", "/auth/login", "application/json", strings.NewReader(string(in)))
	var res struct {
		State    string `json:"state"`
		Redirect string `json:"redirect"`
	}
	if b.hit {
		b.loginHit()
		return
	}
	if status != 200 || json.Unmarshal(body, &res) != nil || res.State != "SUCCESS" {
		b.fail("password login", fmt.Sprintf("status %d state %q", status, res.State))
		return
	}
	status, body, at := b.do("GET", res.Redirect, "", nil)
	if b.hit {
		b.loginHit()
		return
	}
	page, ok := testbrowser.ParseDirectLoginPage(string(body))
	if status != 200 || !ok {
		b.fail("password login", fmt.Sprintf("no direct-login page: status %d at %v", status, at))
		return
	}
	status, body, at = b.do("GET", page.AuthURL, "", nil)
	msg, target, ok := testbrowser.ParseFramePost(string(body))
	switch {
	case b.hit:
		b.loginHit()
		return
	case status != 200 || !ok || msg["code"] == "" || msg["state"] != page.State || (target != "*" && target != b.r.app) || !handlers.FrameOriginAllowed(page.Origins, at.Scheme+"://"+at.Host):
		b.fail("password login", fmt.Sprintf("the frame at %v posts %v to %q (frame origins %v)", at, msg, target, page.Origins))
		return
	}
	b.do("POST", page.Action, "application/x-www-form-urlencoded", strings.NewReader(url.Values{"code": {msg["code"]}, "state": {page.State}}.Encode()))
	if b.hit {
		b.loginHit()
		return
	}
	b.loggedIn()
}

// loginHit: a login step failed in an outage. The login may or may not have
// happened, and the visitor's items may have been carried already.
func (b *browser) loginHit() {
	b.role, b.renewHit, b.items = "", true, -1
}

// logout: through Wix's logout page, back as a new visitor.
func (b *browser) logout() {
	form := url.Values{"returnTo": {"/api/session"}}
	b.do("POST", "/auth/logout", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if b.hit {
		b.role, b.renewHit = "", true // the logout may or may not have happened
		return
	}
	b.role, b.owner, b.items = "visitor", "", 0
	b.session()
	b.checkCart()
}

// pathClass names a URL for the error report without its IDs.
func pathClass(u *url.URL) string {
	p := u.Path
	if i := strings.Index(p, "/_wixtest/"); i >= 0 {
		return "wix" + p[i:i+len("/_wixtest/redirect")]
	}
	return p
}

func rootCause(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
