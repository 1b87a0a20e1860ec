package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// The handlers work however a router hands them requests: the whole
// Handlers under its prefix with the full path (chi Mount, gorilla
// PathPrefix, echo WrapHandler keep it), with the prefix stripped
// (http.StripPrefix), or route by route.
func TestRouterNeutral(t *testing.T) {
	for name, mount := range map[string]func(*handlers.Handlers, *http.ServeMux){
		"Mount":         func(h *handlers.Handlers, mux *http.ServeMux) { h.Mount(mux) },
		"prefix, full":  func(h *handlers.Handlers, mux *http.ServeMux) { mux.Handle("/auth/", h) },
		"prefix, strip": func(h *handlers.Handlers, mux *http.ServeMux) { mux.Handle("/auth/", http.StripPrefix("/auth", h)) },
		"route by route": func(h *handlers.Handlers, mux *http.ServeMux) {
			for _, rt := range h.Routes() {
				mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{mount: mount})
			b := e.browser()
			// Hosted login, the built-in form page after a wrong password,
			// the password form, logout: every route.
			if p := b.hostedLogin("/account", wixtest.DemoEmail, wixtest.DemoPassword); p.Body != "member /account" {
				t.Fatalf("hosted login: %d %s %q", p.StatusCode, p.URL(), p.Body)
			}
			if p := b.post("/auth/logout", url.Values{"returnTo": {"/bye"}}); p.Body != "visitor /bye" {
				t.Fatalf("logout: %s %q", p.URL(), p.Body)
			}
			p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {"wrong-password-3"}})
			if p.StatusCode != http.StatusOK || p.URL().Path != "/auth/form" || p.URL().Query().Get("errorCode") != string(handlers.ErrorCodeInvalidCredentials) {
				t.Fatalf("wrong password: %d %s", p.StatusCode, p.URL())
			}
			if p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}, "returnTo": {"/in"}}); p.Body != "member /in" {
				t.Fatalf("password login: %s %q", p.URL(), p.Body)
			}
			if name == "route by route" {
				return // the router answers other methods (here the app's catch-all page)
			}
			for _, path := range []string{"/auth/register", "/auth/verify", "/auth/password-reset"} {
				if resp := b.rawGet(path); resp.StatusCode != http.StatusMethodNotAllowed {
					t.Errorf("GET %s: %d, want 405", path, resp.StatusCode)
				}
			}
		})
	}
}

// Routes lists every route with its methods, inside the middleware.
func TestRoutesList(t *testing.T) {
	e := newEnv(t, options{})
	got := map[string]bool{}
	for _, rt := range e.h.Routes() {
		if rt.Handler == nil {
			t.Errorf("%s %s has no handler", rt.Method, rt.Path)
		}
		got[rt.Method+" "+rt.Path] = true
	}
	for _, want := range []string{"GET /auth/login", "POST /auth/login", "GET /auth/callback", "POST /auth/logout", "POST /auth/register", "POST /auth/verify", "POST /auth/password-reset", "GET /auth/form"} {
		if !got[want] {
			t.Errorf("Routes lacks %s", want)
		}
	}
	if got["GET /auth/logout"] {
		t.Errorf("Routes has GET logout without AllowGETLogout")
	}
}

// Paths that are no route of the handlers are a 404, not another route.
func TestServeHTTPUnknownPath(t *testing.T) {
	e := newEnv(t, options{mount: func(h *handlers.Handlers, mux *http.ServeMux) { mux.Handle("/auth/", h) }})
	b := e.browser()
	for _, p := range []string{"/auth/nope", "/auth/login/extra", "/auth/"} {
		if resp := b.rawGet(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
}
