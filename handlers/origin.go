package handlers

import (
	"net/http"
	"strings"
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
}

func newOriginCheck(base string, trusted []string) (*originCheck, error) {
	oc := &originCheck{cop: http.NewCrossOriginProtection(), base: strings.ToLower(base), trusted: map[string]bool{}}
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
