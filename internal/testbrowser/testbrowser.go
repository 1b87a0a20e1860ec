// Package testbrowser is the one cookie-jar browser of the tests: an
// http.Client with a cookie jar that follows redirects as a browser does,
// remembers each hop, and posts forms with the fetch metadata of the page
// they come from. The handlers' tests, the example's tests and the
// examples' scripted flow (Flow) use it.
package testbrowser

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Browser is one browser of an app at Base.
type Browser struct {
	// Base is the app's origin: relative targets are resolved against it,
	// and forms posted "from the app" carry it as their Origin.
	Base   string
	Jar    *cookiejar.Jar
	Client *http.Client // follows redirects, with the jar
	// NoScript leaves the handlers' direct-login page as it is; by default
	// the browser runs its script (see Frame), as one with JavaScript does.
	NoScript bool
	// LastFrame is what the last direct-login page's frame did.
	LastFrame *Frame

	t    testing.TB
	mu   sync.Mutex
	hops []*url.URL
}

// New returns a browser of the app at base. transport, if not nil, carries
// its requests (to record the answers, say); the default is a fresh
// transport, closed when the test ends.
func New(t testing.TB, base string, transport http.RoundTripper) *Browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if transport == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		t.Cleanup(tr.CloseIdleConnections)
		transport = tr
	}
	b := &Browser{Base: strings.TrimSuffix(base, "/"), Jar: jar, t: t}
	b.Client = &http.Client{Jar: jar, Transport: transport, Timeout: 15 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			b.mu.Lock()
			b.hops = append(b.hops, req.URL)
			b.mu.Unlock()
			if len(via) >= 10 {
				return http.ErrUseLastResponse
			}
			return nil
		}}
	return b
}

// Page is where a request ended: the last response, its body read.
type Page struct {
	*http.Response // Body is read and closed: use Page.Body
	Body           string
}

// URL is the address of the page (after redirects).
func (p Page) URL() *url.URL { return p.Request.URL }

// Abs resolves a path of the app; absolute URLs are kept.
func (b *Browser) Abs(target string) string {
	if strings.HasPrefix(target, "/") {
		return b.Base + target
	}
	return target
}

// Do sends req, following redirects, and reads the answer.
func (b *Browser) Do(req *http.Request) Page {
	b.t.Helper()
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading the answer: %v", req.Method, req.URL, err)
	}
	p := Page{resp, string(body)}
	if !b.NoScript && resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Request.URL.String(), b.Base+"/") {
		return b.runDirectLogin(p)
	}
	return p
}

// Get loads a path of the app, or an absolute URL.
func (b *Browser) Get(target string) Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.Abs(target), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.Do(req)
}

// FormRequest builds the POST of a form. A form of the app itself (origin
// == Base) carries the fetch metadata a browser adds (Origin,
// Sec-Fetch-Site: same-origin); origin "" sends neither, as curl does;
// any other origin is a page of another site.
func (b *Browser) FormRequest(target string, form url.Values, origin string) *http.Request {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.Abs(target), strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	setOrigin(req, b.Base, origin)
	return req
}

// Post submits a form from a page of origin (see FormRequest).
func (b *Browser) Post(target string, form url.Values, origin string) Page {
	b.t.Helper()
	return b.Do(b.FormRequest(target, form, origin))
}

// PostJSON sends in as a JSON body from the app's own page.
func (b *Browser) PostJSON(target string, in any) Page {
	b.t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.Abs(target), bytes.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	setOrigin(req, b.Base, b.Base)
	return b.Do(req)
}

// setOrigin adds the fetch metadata of a post from a page of origin. A
// post "from the app" to another site (the fake's own forms) is one of
// that site's pages, which the tests send without metadata.
func setOrigin(req *http.Request, base, origin string) {
	sameSite := strings.HasPrefix(req.URL.String(), base+"/") || req.URL.String() == base
	if origin == "" || (origin == base && !sameSite) {
		return
	}
	req.Header.Set("Origin", origin)
	if origin == base {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
}

// Raw sends req with the browser's cookies without following redirects;
// the body is drained and closed.
func (b *Browser) Raw(req *http.Request) *http.Response {
	b.t.Helper()
	c := *b.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// RawGet is Raw for a GET of target.
func (b *Browser) RawGet(target string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.Abs(target), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.Raw(req)
}

// Cookie returns the jar's cookie of that name for the app, or nil.
func (b *Browser) Cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.Base)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Hops returns the redirects followed since the last ClearHops.
func (b *Browser) Hops() []*url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*url.URL(nil), b.hops...)
}

// ClearHops forgets the redirects followed so far.
func (b *Browser) ClearHops() {
	b.mu.Lock()
	b.hops = nil
	b.mu.Unlock()
}
