package handlers_test

// FuzzSafeReturnTo: whatever a browser sends as returnTo, what the
// sanitizer accepts is a path on the app itself, also after the redirect
// that DefaultRespond makes of it. Seeds: hostileReturnTo (returnto_test.go)
// and testdata/fuzz/FuzzSafeReturnTo.

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/handlers"
)

const fuzzOrigin = "https://app.example"

func FuzzSafeReturnTo(f *testing.F) {
	for _, s := range hostileReturnTo {
		f.Add(s, true)
	}
	for _, s := range []string{"/", "/account?x=1#top", "https://app.example/cart", "/caf%C3%A9", "/a%2Fb"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, withBase bool) {
		base := ""
		if withBase {
			base = fuzzOrigin
		}
		out, ok := handlers.SafeReturnTo(raw, base)
		if !ok {
			if out != "" {
				t.Fatalf("refused %q but returned %q", raw, out)
			}
			return
		}
		if msg := notLocal(out); msg != "" {
			t.Fatalf("SafeReturnTo(%q, %q) = %q: %s", raw, base, out, msg)
		}
		// The callback sanitizes the stored returnTo again: it must stay.
		// Escaping can take a path past the 2048-byte limit, which then
		// falls back to DefaultReturnTo: safe, so not checked here.
		if again, ok := handlers.SafeReturnTo(out, base); (!ok && len(out) <= 2048) || (ok && again != out) {
			t.Fatalf("SafeReturnTo(%q) = %q, but that is then refused or changed: %q, %v", raw, out, again, ok)
		}
	})
}

// notLocal says why out is not a safe local path, or "".
func notLocal(out string) string {
	switch {
	case !strings.HasPrefix(out, "/"):
		return "does not start with /"
	case strings.HasPrefix(out, "//"), strings.HasPrefix(out, "/\\"):
		return "starts with // or /\\"
	case strings.ContainsAny(out, "\\"):
		return "has a backslash"
	}
	for i := 0; i < len(out); i++ {
		if out[i] < 0x20 || out[i] == 0x7f {
			return "has a control character"
		}
	}
	u, err := url.Parse(out)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "does not parse as a path without scheme or host"
	}
	if strings.HasPrefix(u.Path, "//") || strings.HasPrefix(u.Path, "/\\") {
		return "decodes to a // path"
	}
	base, _ := url.Parse(fuzzOrigin + "/some/page")
	if r := base.ResolveReference(u); r.Scheme+"://"+r.Host != fuzzOrigin || r.User != nil {
		return "resolves to " + r.String()
	}
	// What the browser gets: http.Redirect cleans the path.
	rec := httptest.NewRecorder()
	http.Redirect(rec, httptest.NewRequest("GET", fuzzOrigin+"/auth/callback", nil), out, http.StatusSeeOther)
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		return "its redirect has an unparsable Location"
	}
	if r := base.ResolveReference(loc); r.Scheme+"://"+r.Host != fuzzOrigin {
		return "its redirect leads to " + r.String()
	}
	return ""
}
