package handlers

import (
	"errors"
	"net/url"
	"strings"
)

// DefaultFrameOrigins are the origins the hidden frame of
// DirectLoginWebMessage may pass through besides that of Wix's auth URL:
// Wix's own domains. Nothing recorded shows where Wix's login page moves
// the frame, if anywhere (docs/protocol.md A16); these are the hosts Wix
// serves its login and API pages from.
var DefaultFrameOrigins = []string{"https://*.wix.com", "https://*.wixapis.com"}

// checkFrameOrigin accepts "scheme://host[:port]", the host optionally
// "*.domain": a CSP source expression the page's script can match too.
func checkFrameOrigin(o string) error {
	bad := func(why string) error {
		return errors.New("handlers: Config.FrameOrigins: " + o + " " + why + `; write an origin such as "https://users.wix.com" or "https://*.wix.com"`)
	}
	u, err := url.Parse(o)
	if err != nil {
		return bad("is not a URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return bad("is not http or https")
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "/") {
		return bad("is not an origin (scheme and host only)")
	}
	host := strings.TrimPrefix(u.Hostname(), "*.")
	if host == "" || strings.ContainsAny(host, "*;' ") || strings.ToLower(o) != o {
		return bad("has a wildcard other than a leading *., a character a policy cannot hold, or upper case")
	}
	return nil
}

// FrameOriginAllowed reports whether origin ("scheme://host[:port]", as a
// browser serializes it) matches one of patterns, as the direct-login
// page's frame policy and its script match them: exactly, or
// "scheme://*.domain" for any host under domain.
func FrameOriginAllowed(patterns []string, origin string) bool {
	for _, p := range patterns {
		if p == origin {
			return true
		}
		scheme, domain, ok := strings.Cut(p, "://*.")
		if !ok {
			continue
		}
		rest, ok := strings.CutPrefix(origin, scheme+"://")
		if ok && len(rest) > len(domain)+1 && strings.HasSuffix(rest, "."+domain) && !strings.Contains(rest, "/") {
			return true
		}
	}
	return false
}
