package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserFrameRedirect: Wix's login page moves the direct-login frame
// to another origin before it posts the code (the fake's
// WithFrameRedirect, docs/protocol.md A16), in a real browser. With that
// origin in the page's frame policy (handlers.Config.FrameOrigins) the
// member is logged in; without, the browser blocks the frame and the page,
// instead of hanging, says that Wix did not answer and offers Try again
// (which tries again, and times out again) and the login form.
func TestBrowserFrameRedirect(t *testing.T) {
	exe := findChromium(t)
	for _, mode := range []string{"allowed", "blocked"} {
		t.Run(mode, func(t *testing.T) { frameRedirect(t, exe, mode) })
	}
}

func frameRedirect(t *testing.T, exe, mode string) {
	dir := filepath.Join(artifactsDir, "frame-"+mode)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	app := startExample(t, dir, "DEMO_FRAME_REDIRECT="+mode, "DIRECT_LOGIN_TIMEOUT=3s")
	tab := newBrowser(t, exe)
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	t.Cleanup(cancel)
	b := &browser{t: t, ctx: ctx, dir: dir}
	net := b.watch(app.URL)
	t.Cleanup(func() {
		if t.Failed() {
			b.shot("failure")
			t.Logf("Content-Security-Policy violations: %q", net.violations())
			t.Logf("example output:\n%s", app.log.Bytes())
		}
	})

	b.do(chromedp.Navigate(app.URL + "/login"))
	b.waitFor("the login form", `location.pathname === "/login" && !!document.querySelector("#login form")`)
	b.do(
		chromedp.SendKeys(chromedp.CSS(`#login input[name="email"]`), demoEmail),
		chromedp.SendKeys(chromedp.CSS(`#login input[name="password"]`), demoPassword),
		chromedp.Click(chromedp.CSS("#login form button")),
	)
	if mode == "allowed" {
		b.waitFor("the account page after the frame's hop", `location.pathname === "/account" && roleText() === "member" && !!document.querySelector("#email")`)
		b.expectText("#email", demoEmail)
		b.shot("01-frame-redirect-allowed")
		if v := net.violations(); len(v) > 0 {
			t.Errorf("Content-Security-Policy violations: %v", v)
		}
		return
	}
	const timedOut = `location.pathname === "/auth/direct-login" && !document.querySelector("#wixauth-direct-timeout").hidden && document.querySelector("#wixauth-direct-login").hidden`
	b.waitFor("the timeout message", timedOut)
	b.expectText("#wixauth-direct-timeout", "Wix did not answer the login in time")
	b.shot("01-frame-blocked-timeout")
	if len(net.violations()) == 0 {
		t.Errorf("no Content-Security-Policy violation reported for the blocked frame")
	}
	// Try again: a fresh frame, the wait message, then the timeout again.
	b.do(chromedp.Click(chromedp.ID("wixauth-direct-retry")))
	b.waitFor("the wait message after Try again", `document.querySelector("#wixauth-direct-timeout").hidden && !document.querySelector("#wixauth-direct-login").hidden`)
	b.waitFor("the timeout message again", timedOut)
	// Back to the form, still a visitor.
	b.do(chromedp.Click(chromedp.CSS(`#wixauth-direct-timeout a`)))
	b.waitFor("the login form, as a visitor", `location.pathname === "/login" && roleText() === "visitor"`)
	b.shot("02-frame-blocked-back-to-form")
}
