package sameorigin

import (
	"net/http"
	"strings"
	"testing"
)

// One origin is scheme, host and port, whatever the case and whether the
// default port is written; any of the three differing is another origin.
func TestCheckRedirect(t *testing.T) {
	check := CheckRedirect(nil)
	first, _ := http.NewRequest(http.MethodPost, "https://www.wixapis.com/oauth2/token", nil)
	for to, same := range map[string]bool{
		"https://www.wixapis.com/x":        true,
		"https://WWW.WixApis.com:443/x":    true,
		"http://www.wixapis.com/x":         false, // scheme
		"https://www.wixapis.com:8443/x":   false, // port
		"https://evil.wixapis.com/x":       false, // host
		"https://www.wixapis.com.evil/x":   false,
		"https://www.wixapis.com@evil.n/x": false,
	} {
		next, _ := http.NewRequest(http.MethodPost, to, nil)
		err := check(next, []*http.Request{first})
		if same && err != nil || !same && (err == nil || !strings.Contains(err.Error(), "another origin")) {
			t.Errorf("redirect to %s: %v, want same origin %v", to, err, same)
		}
	}
	var called bool
	CheckRedirect(func(*http.Request, []*http.Request) error { called = true; return nil })(first, []*http.Request{first})
	if !called {
		t.Errorf("the client's own CheckRedirect was not applied")
	}
}

// The scheme alone makes another origin: http and https on one host and
// port are two (a downgrade would send a token in the clear).
func TestSchemeAloneDiffers(t *testing.T) {
	first, _ := http.NewRequest(http.MethodPost, "https://api.example:8443/x", nil)
	next, _ := http.NewRequest(http.MethodPost, "http://api.example:8443/x", nil)
	if err := CheckRedirect(nil)(next, []*http.Request{first}); err == nil {
		t.Error("a redirect from https to http on the same host and port was followed")
	}
}
