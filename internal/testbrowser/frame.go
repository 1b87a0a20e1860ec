package testbrowser

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/wixauth/wixauth/handlers"
)

// Frame is what the last direct-login page's hidden iframe did (see
// Browser.Do): where it went, whether the page's frame policy blocked it,
// and what Wix's page posted to where.
type Frame struct {
	AuthURL, State string
	Origins        []string   // the page's data-origins (its frame-src)
	Hops           []*url.URL // every URL the frame loaded, the first included
	Blocked        *url.URL   // the hop the frame policy refused, if any
	Posted         map[string]string
	TargetOrigin   string // postMessage's second argument
	From           string // the origin of the page that posted
	Delivered      bool   // the listener took the message and posted it to the app
}

var (
	directAttrs = regexp.MustCompile(`id="wixauth-direct-login" data-auth-url="([^"]*)" data-state="([^"]*)" data-origins="([^"]*)"`)
	handoff     = regexp.MustCompile(`id="wixauth-direct-handoff" method="post" action="([^"]*)"`)
	posted      = regexp.MustCompile(`postMessage\((\{.*?\}),\s*("[^"]*")\)`)
)

// DirectLoginPage is what a handlers direct-login page hands its script:
// the auth URL its frame loads, the login's state, the origins its frame
// policy allows, and where the page posts the code.
type DirectLoginPage struct {
	AuthURL, State, Action string
	Origins                []string
}

// ParseDirectLoginPage reads a direct-login page; ok is false for any
// other page. The load test, which is no test, reads the page with it too.
func ParseDirectLoginPage(body string) (p DirectLoginPage, ok bool) {
	m := directAttrs.FindStringSubmatch(body)
	a := handoff.FindStringSubmatch(body)
	if m == nil || a == nil {
		return p, false
	}
	return DirectLoginPage{
		AuthURL: html.UnescapeString(m[1]),
		State:   html.UnescapeString(m[2]),
		Origins: strings.Fields(html.UnescapeString(m[3])),
		Action:  html.UnescapeString(a[1]),
	}, true
}

// ParseFramePost reads what Wix's web_message page posts to its parent:
// the message and postMessage's target origin; ok is false when the page
// posts nothing readable.
func ParseFramePost(body string) (msg map[string]string, target string, ok bool) {
	return parsePosted(posted.FindStringSubmatch(body))
}

// parsePosted reads the match of posted: the message and the target origin.
func parsePosted(pm []string) (msg map[string]string, target string, ok bool) {
	if pm == nil || json.Unmarshal([]byte(pm[1]), &msg) != nil || json.Unmarshal([]byte(pm[2]), &target) != nil {
		return nil, "", false
	}
	return msg, target, true
}

// runDirectLogin plays the script of the handlers' direct-login page
// (handlers/static/direct-login.js) as a browser with JavaScript would: a
// frame loads the auth URL, each hop checked against the page's frame
// policy; a message is delivered only to a matching target origin, and
// taken only from an allowed origin with the login's state; then the code
// and state are posted to the app from the page. Anything short of that
// leaves the browser on the page, which shows its timeout message.
func (b *Browser) runDirectLogin(p Page) Page {
	b.t.Helper()
	d, ok := ParseDirectLoginPage(p.Body)
	if !ok {
		return p
	}
	f := &Frame{AuthURL: d.AuthURL, State: d.State, Origins: d.Origins}
	b.mu.Lock()
	b.LastFrame = f
	b.mu.Unlock()
	c := *b.Client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		f.Hops = append(f.Hops, req.URL)
		if !frameAllowed(f.Origins, origin(req.URL)) {
			f.Blocked = req.URL
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}
	u, err := url.Parse(f.AuthURL)
	if err != nil {
		b.t.Fatalf("the direct-login page's auth URL %q: %v", f.AuthURL, err)
	}
	f.Hops = append(f.Hops, u)
	if !frameAllowed(f.Origins, origin(u)) {
		f.Blocked = u
		return p
	}
	resp, err := c.Get(f.AuthURL)
	if err != nil {
		b.t.Fatalf("the direct-login frame: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pm := posted.FindStringSubmatch(string(body))
	if f.Blocked != nil || resp.StatusCode != http.StatusOK || pm == nil {
		return p
	}
	f.From = origin(resp.Request.URL)
	if f.Posted, f.TargetOrigin, ok = parsePosted(pm); !ok {
		b.t.Fatalf("the frame's page posts something unreadable: %s", pm[0])
	}
	// The browser delivers it only to a window of the target origin; the
	// page's listener takes it only from an allowed origin with its state.
	if (f.TargetOrigin != "*" && f.TargetOrigin != b.Base) || !frameAllowed(f.Origins, f.From) || f.Posted["state"] != f.State {
		return p
	}
	f.Delivered = true
	form := url.Values{"state": {f.State}, "code": {f.Posted["code"]}, "error": {f.Posted["error"]}}
	if _, ok := f.Posted["code"]; !ok && f.Posted["error"] == "" {
		form.Set("error", "no_code")
	}
	// A page under Referrer-Policy no-referrer posts with "Origin: null",
	// as Chromium does.
	from := b.Base
	if p.Header.Get("Referrer-Policy") == "no-referrer" {
		from = "null"
	}
	return b.Post(d.Action, form, from)
}

// origin is u's scheme://host.
func origin(u *url.URL) string { return strings.ToLower(u.Scheme + "://" + u.Host) }

// frameAllowed matches o as the page's script and CSP frame-src do.
func frameAllowed(origins []string, o string) bool { return handlers.FrameOriginAllowed(origins, o) }
