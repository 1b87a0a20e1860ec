// Package e2e drives a real headless Chromium through the example app and
// its embedded fake Wix. The app runs on localhost and the fake on
// 127.0.0.1: two sites, so the browser applies the same cookie rules
// (SameSite=Lax on the way back from Wix) as it would on the internet.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

const (
	demoEmail    = "demo@example.com" // wixtest.DemoEmail
	demoPassword = "wix-demo-password"
	cookieName   = "wixauth_session"
)

// TestBrowserJourney runs the whole journey once per way of finishing a
// form login (handlers.DirectLoginMode): the top-level redirect and the
// SDK's hidden iframe with web_message.
func TestBrowserJourney(t *testing.T) {
	exe := findChromium(t)
	os.RemoveAll(artifactsDir)
	for _, mode := range []string{"redirect", "web_message"} {
		t.Run(mode, func(t *testing.T) { journey(t, exe, mode) })
	}
}

func journey(t *testing.T, exe, mode string) {
	dir := filepath.Join(artifactsDir, mode)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// web_message is the default: run it as an app that sets nothing.
	finish := mode
	if mode == "web_message" {
		finish = ""
	}
	app := startExample(t, dir, "DIRECT_LOGIN="+finish)
	tab := newBrowser(t, exe)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	t.Cleanup(cancel) // after the failure screenshot below: cleanups run last-in first-out
	b := &browser{t: t, ctx: ctx, dir: dir}
	net := b.watch(app.URL)
	t.Cleanup(func() {
		if t.Failed() {
			b.shot("failure") // what the page looked like when it went wrong
			t.Logf("Content-Security-Policy violations: %q", net.violations())
			t.Logf("example output:\n%s", app.log.Bytes())
		}
	})

	// 1. A first visit: the middleware gives the browser a visitor session.
	b.do(chromedp.Navigate(app.URL + "/"))
	b.waitFor("the home page as a visitor", `location.pathname === "/" && roleText() === "visitor" && !!document.querySelector("#cart-empty")`)
	b.shot("01-home-visitor")
	b.checkCookies(app.URL)
	visitorCookie := b.sessionCookie(app.URL).Value

	// 2. Add to cart: Wix's cart of the visitor gets one item.
	b.do(chromedp.Click(chromedp.CSS("#cart form button")))
	b.waitFor("one item in the visitor's cart", `cartCount() === 1`)
	b.expectText("#cart tfoot", "Subtotal (1 items)")
	b.shot("02-visitor-cart")

	// 3. "Log in with Wix": off to the fake's hosted login page, another site.
	b.do(chromedp.Click(chromedp.CSS("a.button")))
	b.waitFor("the fake's hosted login page", `location.origin === `+jsString(app.FakeURL)+` && !!document.querySelector("#wixtest-login")`)
	b.shot("03-wix-login-page")

	// 4. Sign in there, as a member would: type, then click.
	b.do(
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), demoEmail),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), demoPassword),
	)
	b.shot("04-wix-login-filled")
	b.do(chromedp.Click(chromedp.ID("wixtest-login")))

	// 5. Back on /account as the member; the session cookie survived the
	// cross-site round trip (SameSite=Lax) and was renewed at login.
	b.waitFor("the account page as the member", `location.origin + location.pathname === `+jsString(app.URL+"/account")+` && roleText() === "member" && !!document.querySelector("#email")`)
	b.expectText("#email", demoEmail)
	// The fake keeps carts per identity, as Wix does; the example carries
	// the visitor's items into the member's cart at login (cartcarry.go).
	b.waitFor("the visitor's item in the member's cart", `cartCount() === 1`)
	b.expectText("#cart tfoot", "Subtotal (1 items)")
	b.shot("05-account-member")
	b.checkCookies(app.URL)
	memberCookie := b.sessionCookie(app.URL).Value
	if memberCookie == visitorCookie {
		t.Error("the session cookie kept its value across login: the session ID was not renewed")
	}

	// 6. The member's own cart: the carried item, and one more.
	b.do(chromedp.Click(chromedp.CSS("#cart form button")))
	b.waitFor("two items in the member's cart, on the home page", `location.pathname === "/" && roleText() === "member" && cartCount() === 2`)
	b.expectText("#nickname", "Demo Member")
	b.shot("06-member-cart")

	// 7. Log out: through the fake's logout page and back home, a visitor
	// again with a new, empty cart.
	b.do(chromedp.Click(chromedp.CSS("#status form button")))
	b.waitFor("the home page as a visitor after logout", `location.origin + location.pathname === `+jsString(app.URL+"/")+` && roleText() === "visitor" && !!document.querySelector("#cart-empty")`)
	b.shot("07-logged-out")
	b.checkCookies(app.URL)
	if b.sessionCookie(app.URL).Value == memberCookie {
		t.Error("the session cookie kept its value across logout: the session ID was not renewed")
	}

	// 8. Cancel on Wix's login page: back on the app's /login page with a
	// message, still a visitor (and no login loop).
	b.do(chromedp.Click(chromedp.CSS("a.button")))
	b.waitFor("the fake's hosted login page again", `location.origin === `+jsString(app.FakeURL)+` && !!document.querySelector("#wixtest-cancel")`)
	b.do(chromedp.Click(chromedp.ID("wixtest-cancel")))
	b.waitFor("the login page with the cancelled login", `location.origin + location.pathname === `+jsString(app.URL+"/login")+` && !!document.querySelector("#login-error")`)
	b.expectText("#login-error", "cancelled")
	b.expectText("#role", "visitor")
	b.shot("08-wix-login-cancelled")

	// 9. The custom email/password form on /login.
	net.reset()
	b.waitFor("the login form", `location.pathname === "/login" && !!document.querySelector("#login form")`)
	b.do(
		chromedp.SendKeys(chromedp.CSS(`#login input[name="email"]`), demoEmail),
		chromedp.SendKeys(chromedp.CSS(`#login input[name="password"]`), demoPassword),
	)
	b.shot("09-login-form")
	b.do(chromedp.Click(chromedp.CSS("#login form button")))

	// 10. On /account as the member again, with the cart of step 6: the same
	// member, so the same Wix cart.
	b.waitFor("the account page after the form login", `location.pathname === "/account" && roleText() === "member" && !!document.querySelector("#email")`)
	b.expectText("#email", demoEmail)
	b.waitFor("the member's cart of step 6", `cartCount() === 2`)
	b.shot("10-form-login-account")
	b.checkCookies(app.URL)

	// How the form login was finished: by the app's own page and its hidden
	// iframe of Wix (web_message), or by a top-level trip to Wix (redirect);
	// and no page broke its Content-Security-Policy.
	page, script, top := net.saw(app.URL+"/auth/direct-login?"), net.saw(app.URL+"/auth/direct-login.js"), net.sawTop(app.FakeURL+"/")
	switch mode {
	case "web_message":
		// Logged in with no top-level trip to Wix: Wix's page ran in the
		// page's frame.
		if !page || !script || top {
			t.Errorf("web_message: direct-login page %v, its script %v, Wix at top level %v; want the page and its script, not Wix at top level", page, script, top)
		}
	case "redirect":
		if page || !top {
			t.Errorf("redirect: direct-login page %v, Wix at top level %v; want no page and a top-level trip", page, top)
		}
	}
	if v := net.violations(); len(v) > 0 {
		t.Errorf("Content-Security-Policy violations: %v", v)
	}
}

// browser wraps a tab with assertions that fail the test.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string // where screenshots go
}

// helpers are page functions the waits use; they are re-declared on each
// evaluation because every navigation starts a fresh page.
const helpers = `
const roleText = () => (document.querySelector("#role")?.textContent ?? "").trim();
const cartCount = () => [...document.querySelectorAll("#cart tr.line-item td:nth-child(2)")]
	.reduce((n, td) => n + Number(td.textContent), 0);
`

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// waitFor evaluates cond until it is true. It polls from Go rather than in
// the page, because a navigation would destroy an in-page poll.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) && b.ctx.Err() == nil {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => {`+helpers+`return !!(`+cond+`); })()`))
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	b.t.Fatalf("waiting for %s: timed out (last error %v) at %s; page text:\n%s", what, lastErr, loc, body)
}

func (b *browser) expectText(sel, want string) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("reading %s: %v", sel, err)
	}
	if !strings.Contains(got, want) {
		b.t.Errorf("%s says %q, want it to contain %q", sel, got, want)
	}
}

// shot saves a PNG of the whole page as a test artifact.
func (b *browser) shot(name string) {
	b.t.Helper()
	// Right after a navigation the DOM can be there before the first layout,
	// and Chromium refuses to capture a page of width 0: wait for the load,
	// and retry briefly.
	b.waitFor("the page to finish loading", `document.readyState === "complete"`)
	var png []byte
	var err error
	for try := 0; try < 20; try++ {
		if png, err = chromedp.Run(b.ctx, chromedp.FullScreenshot(100)); err == nil { // 100: PNG
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Error(err)
	}
}

// sessionCookie reads the app's session cookie through CDP, which sees
// HttpOnly cookies that the page cannot.
func (b *browser) sessionCookie(appURL string) *network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{appURL + "/"}})
	if err != nil {
		b.t.Fatalf("Network.getCookies: %v", err)
	}
	var found *network.Cookie
	for _, c := range res.Cookies {
		if c.Name == cookieName {
			found = c
		}
	}
	if found == nil {
		b.t.Fatalf("no %s cookie for %s; cookies: %v", cookieName, appURL, names(res.Cookies))
	}
	return found
}

// checkCookies asserts that the browser holds no Wix token anywhere: the
// page's JavaScript sees no session cookie and no token, and the session
// cookie is HttpOnly and SameSite=Lax.
func (b *browser) checkCookies(appURL string) {
	b.t.Helper()
	jsCookies, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.cookie`))
	if err != nil {
		b.t.Fatalf("document.cookie: %v", err)
	}
	for _, bad := range []string{cookieName, "OauthNG", "JWS."} {
		if strings.Contains(jsCookies, bad) {
			b.t.Errorf("document.cookie holds %q: %q", bad, jsCookies)
		}
	}
	c := b.sessionCookie(appURL)
	if !c.HTTPOnly {
		b.t.Errorf("%s is not HttpOnly", cookieName)
	}
	if c.SameSite != network.CookieSameSiteLax {
		b.t.Errorf("%s has SameSite=%q, want Lax", cookieName, c.SameSite)
	}
	// No cookie of any site the browser visited may carry a token.
	all, err := chromedp.CallBrowser(b.ctx, storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		b.t.Fatalf("Storage.getCookies: %v", err)
	}
	for _, c := range all.Cookies {
		if strings.Contains(c.Value, "OauthNG") || strings.Contains(c.Value, "JWS.") || len(c.Value) > 200 {
			b.t.Errorf("cookie %s on %s looks like a token (%d bytes)", c.Name, c.Domain, len(c.Value))
		}
	}
}

func names(cs []*network.Cookie) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name+"@"+c.Domain)
	}
	return out
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string { return fmt.Sprintf("%q", s) }
