package handlers

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// originCheck refuses cross-origin posts. http.CrossOriginProtection
// compares an Origin with the request's Host, which a client can forge and
// which ignores the scheme: with BaseURL known, an Origin header must be
// exactly the app's origin (or a trusted one), so that neither a forged
// Host nor a page served over plain http (a scheme downgrade) passes, even
// without Sec-Fetch-Site.
type originCheck struct {
	cop     *http.CrossOriginProtection
	base    string          // the app's origin, or "" (Host-header mode)
	trusted map[string]bool // lower-cased origins
	log     *slog.Logger
	now     func() time.Time
	warned  atomic.Int64 // when denyMisconfigured last logged, in Unix ns
}

// misconfiguredWarnEvery bounds denyMisconfigured's Warn lines: anyone can
// send a post whose Origin names the request's Host, and a line for each
// would let them fill the log. Once a minute says it all the same.
const misconfiguredWarnEvery = time.Minute

func newOriginCheck(base string, trusted []string, log *slog.Logger, now func() time.Time) (*originCheck, error) {
	oc := &originCheck{cop: http.NewCrossOriginProtection(), base: strings.ToLower(base), trusted: map[string]bool{}, log: log, now: now}
	for _, o := range trusted {
		// Lower case for both checks: browsers send origins lower-cased,
		// and CrossOriginProtection compares them as given.
		if err := oc.cop.AddTrustedOrigin(strings.ToLower(o)); err != nil {
			return nil, err
		}
		oc.trusted[strings.ToLower(o)] = true
	}
	oc.cop.SetDenyHandler(http.HandlerFunc(denyCrossOrigin))
	return oc, nil
}

func denyCrossOrigin(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "Cross-origin request refused: this form must be posted from the site itself.", http.StatusForbidden)
}

// Handler wraps next in the check.
func (oc *originCheck) Handler(next http.Handler) http.Handler {
	inner := oc.cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !oc.allowed(r) {
			if o, ok := oc.ownPage(r); ok {
				oc.denyMisconfigured(w, r, o)
				return
			}
			denyCrossOrigin(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// allowed applies the BaseURL rule; CrossOriginProtection does the rest.
func (oc *originCheck) allowed(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	o := r.Header.Get("Origin")
	if oc.base == "" || o == "" {
		return true
	}
	// Browsers serialize an origin as scheme://host[:port], lower case,
	// without a default port: an exact comparison is right.
	o = strings.ToLower(o)
	return o == oc.base || oc.trusted[o]
}

// ownPage reports whether a post that the BaseURL rule refused came from
// the site's own page all the same, reached at an origin other than
// BaseURL: http for an https BaseURL, another host name (127.0.0.1 for
// localhost), a TLS proxy in front of an http BaseURL. The browser says so
// with Sec-Fetch-Site: same-origin (the page and the form's target share
// an origin), or, without fetch metadata, the Origin names the request's
// own Host. Such a post is still refused, but the cause is the set-up, not
// an attack, and a bare 403 would hide it. It returns the Origin, cut and
// checked to be one.
func (oc *originCheck) ownPage(r *http.Request) (string, bool) {
	o := strings.ToLower(r.Header.Get("Origin"))
	u, err := url.Parse(o)
	if err != nil || len(o) > 200 || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
		return "", false
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return o, site == "same-origin"
	}
	return o, strings.EqualFold(u.Host, r.Host)
}

// denyMisconfigured refuses a post of the site's own page reached at
// another origin than BaseURL, saying so to the browser and in the log.
func (oc *originCheck) denyMisconfigured(w http.ResponseWriter, r *http.Request, origin string) {
	if oc.shouldWarn() {
		oc.warnMisconfigured(r, origin)
	}
	http.Error(w, "Refused: this page was loaded from "+origin+", but this site is set up for "+oc.base+
		" (its BASE_URL). Open "+oc.base+" and try again, or ask the site owner to set BASE_URL to the address you use.", http.StatusForbidden)
}

// shouldWarn reports whether a misconfiguration Warn is due: the first, and
// then one a misconfiguredWarnEvery at most.
func (oc *originCheck) shouldWarn() bool {
	now := oc.now().UnixNano()
	last := oc.warned.Load()
	if last != 0 && now-last < int64(misconfiguredWarnEvery) {
		return false
	}
	return oc.warned.CompareAndSwap(last, now)
}

func (oc *originCheck) warnMisconfigured(r *http.Request, origin string) {
	oc.log.Warn("wixauth/handlers: refused a post from this site's own page at "+origin+", which is not BaseURL "+oc.base+
		": browse "+oc.base+", or set wixauth.Config.BaseURL (BASE_URL) to the origin browsers use "+
		"(behind a proxy that ends TLS, the https origin the browser sees), or add "+origin+" to handlers.Config.TrustedOrigins if the site answers at both",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("origin", origin), slog.String("base_url", oc.base),
		slog.String("note", "logged once a minute at most"))
}
