// Package sameorigin keeps an http.Client from following a redirect to
// another origin. Go's own rule forwards a request's body on 307 and 308
// to any host, and its Authorization header to the same host name on
// another port or scheme; a token grant carries a refresh token (or a
// code and its PKCE verifier) in its body, and an API call a member's
// access token in its header, so neither may leave the origin it was sent
// to.
package sameorigin

import (
	"fmt"
	"net/http"
	"strings"
)

// CheckRedirect returns an http.Client.CheckRedirect that refuses a
// redirect whose scheme, host or port differs from the first request's,
// then applies next (Go's default, at most 10 redirects, when nil).
func CheckRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 {
			if from, to := Of(via[0]), Of(req); from != to {
				return fmt.Errorf("wixauth: %s answered a redirect to %s, another origin than %s: not followed, so that tokens stay with Wix", via[len(via)-1].URL.Redacted(), to, from)
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return fmt.Errorf("stopped after 10 redirects")
		}
		return nil
	}
}

// Of returns r's origin, scheme://host:port, lower case, with the port
// made explicit so that https://h and https://h:443 are one origin.
func Of(r *http.Request) string {
	u := r.URL
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}
