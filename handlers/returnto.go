package handlers

import (
	"net/url"
	"strings"
)

// SafeReturnTo turns a return URL that came from the browser into a path on
// the app itself, or reports false. It accepts a path ("/cart?x=1#top") or
// an absolute URL of base's origin, and refuses everything that a browser
// could read as another site: "//host" and "/\host", backslashes anywhere,
// encoded slashes or dots that decode into such a form, control characters,
// userinfo, other schemes (javascript:, data:) and other origins. base may
// be empty, in which case only paths are accepted.
func SafeReturnTo(raw, base string) (string, bool) {
	if raw == "" || len(raw) > 2048 || strings.ContainsAny(raw, "\\") || hasControl(raw) {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil {
		return "", false
	}
	if u.Scheme != "" || u.Host != "" {
		b, err := url.Parse(base)
		if base == "" || err != nil || !strings.EqualFold(u.Scheme, b.Scheme) || !strings.EqualFold(u.Host, b.Host) {
			return "", false
		}
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	// The decoded path is what a browser or a proxy may act on: it must
	// still be a plain local path.
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(u.Path, "//") || strings.ContainsAny(u.Path, "\\") || hasControl(u.Path) || hasDotSegment(u.Path) {
		return "", false
	}
	if strings.HasPrefix(p, "//") || strings.HasPrefix(strings.ToLower(p), "/%2f") || strings.HasPrefix(strings.ToLower(p), "/%5c") {
		return "", false
	}
	out := p
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	if u.Fragment != "" {
		out += "#" + u.EscapedFragment()
	}
	if len(out) > 2048 { // escaping can lengthen it; keep the bound on what is stored
		return "", false
	}
	return out, true
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func hasDotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}
