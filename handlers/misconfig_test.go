package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/handlers"
)

// A login whose callback URL is not on the OAuth app's allowed redirect
// URIs: Wix answers 400 INVALID_REDIRECT_URI when the redirect session is
// created. The visitor is told the site is not set up (not "Wix could not
// be reached", as before), and the log names the URL and where to add it
// (issue #22, item 5).
func TestUnregisteredCallbackSaysSo(t *testing.T) {
	var other *handlers.Handlers // its callback, /other/callback, is not registered
	e := newEnv(t, options{mount: func(h *handlers.Handlers, mux *http.ServeMux) {
		h.Mount(mux)
		mux.Handle("/other/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.ServeHTTP(w, r) }))
	}})
	var err error
	if other, err = handlers.New(e.auth, handlers.Config{Prefix: "/other"}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	req, _ := http.NewRequest(http.MethodGet, e.app+"/other/login?returnTo=/", nil)
	status, _, body := b.fetch(req)
	want := handlers.Message(handlers.ErrorCodeCallbackNotAllowed)
	if status != http.StatusInternalServerError || !strings.Contains(body, want) {
		t.Errorf("login start: %d %q, want 500 with %q", status, body, want)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "Wix refused the callback URL "+e.app+"/other/callback") || !strings.Contains(logs, "allowed redirect URIs in the Wix dashboard") {
		t.Errorf("log: %q, want the callback URL and where to register it", logs)
	}
	t.Logf("answer: %d %s\nlog: %s", status, body, logs)

	// The near miss: the registered callback logs in.
	if p := b.get("/auth/login?returnTo=/"); p.StatusCode != http.StatusOK {
		t.Errorf("registered callback: %d %q", p.StatusCode, p.Body)
	}
}
