package handlers

import (
	"net/http"
	"strings"

	"github.com/wixauth/wixauth"
)

// Mount registers all the handlers on mux under prefix, each wrapped in
// auth's middleware (which does nothing more if the app already wraps mux
// in it):
//
//	GET  prefix/login           Wix's hosted login page (?returnTo=/path)
//	POST prefix/login           email/password form
//	GET  prefix/callback        the return from Wix
//	POST prefix/logout          logout (form field returnTo)
//	POST prefix/register        registration form
//	POST prefix/verify          email verification code
//	POST prefix/password-reset  password reset email
//	GET  prefix/form            the built-in form page (unless Config.FormPath)
//	GET  prefix/direct-login    the page of DirectLoginWebMessage (?state=)
//	POST prefix/direct-login    its handoff of the frame's code and state
//	GET  prefix/direct-login.js its script
//
// It panics if prefix is not a plain path or the Auth has no BaseURL, as
// http.ServeMux does for bad patterns: both are set-up errors. Use New and
// Handlers.Mount for more settings, and Handlers itself (an http.Handler)
// or Routes for other routers.
func Mount(mux *http.ServeMux, auth *wixauth.Auth, prefix string) *Handlers {
	h, err := New(auth, Config{Prefix: prefix})
	if err != nil {
		panic(err)
	}
	h.Mount(mux)
	return h
}

// Mount registers the handlers on mux under Config.Prefix (see the
// package-level Mount).
func (h *Handlers) Mount(mux *http.ServeMux) {
	for _, rt := range h.all {
		mux.Handle(rt.path, rt.handler)
	}
}

// Route is one handler with its method and path, each inside the Auth's
// middleware, for routers that register routes one by one:
//
//	for _, rt := range h.Routes() {
//		r.Method(rt.Method, rt.Path, rt.Handler) // chi
//	}
type Route struct {
	Method  string
	Path    string
	Handler http.Handler
}

// Routes lists the handlers by method and path (see Mount for the list).
func (h *Handlers) Routes() []Route {
	var out []Route
	for _, rt := range h.all {
		for _, m := range rt.methods {
			out = append(out, Route{Method: m, Path: rt.path, Handler: rt.handler})
		}
	}
	return out
}

// ServeHTTP serves every route of the handlers, so that Handlers mounts
// under its prefix in any router: chi's r.Mount("/auth", h), gorilla/mux's
// r.PathPrefix("/auth").Handler(h), echo's e.Any("/auth/*",
// echo.WrapHandler(h)), or http.StripPrefix("/auth", h). It takes the full
// path (prefix/login) as well as one with the prefix stripped (/login).
// A CallbackPath outside Prefix is served too when the router sends it here.
func (h *Handlers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	rt, ok := h.byPath[p]
	if !ok && !strings.HasPrefix(p, h.cfg.Prefix+"/") {
		rt, ok = h.byPath[h.cfg.Prefix+"/"+strings.TrimPrefix(p, "/")]
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	rt.handler.ServeHTTP(w, r)
}

// route is one path of the handlers and the methods it answers.
type route struct {
	path    string
	methods []string
	handler http.Handler // method check, then the middleware
}

// only answers 405 to other methods, before the middleware spends a
// session load or a token call on them.
func only(methods []string, next http.Handler) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range methods {
			if m == r.Method {
				next.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Allow", allow)
		http.Error(w, "Method not allowed: use "+allow+".", http.StatusMethodNotAllowed)
	})
}

func (h *Handlers) routes() []route {
	mw := h.auth.Middleware
	p := h.cfg.Prefix
	get, post := []string{http.MethodGet, http.MethodHead}, []string{http.MethodPost}
	logout := post
	if h.cfg.AllowGETLogout {
		logout = []string{http.MethodPost, http.MethodGet}
	}
	out := []route{
		{p + "/login", []string{http.MethodGet, http.MethodHead, http.MethodPost}, mw(h.Login())},
		{h.cfg.CallbackPath, get, mw(h.Callback())},
		{p + "/logout", logout, mw(h.Logout())},
		{p + "/register", post, mw(h.Register())},
		{p + "/verify", post, mw(h.Verify())},
		{p + "/password-reset", post, mw(h.PasswordReset())},
		{p + "/direct-login", []string{http.MethodGet, http.MethodHead, http.MethodPost}, mw(h.DirectLoginPage())},
		{p + "/direct-login.js", get, h.DirectLoginScript()}, // a static file: no session
	}
	if h.cfg.FormPath == p+formPage {
		out = append(out, route{p + formPage, get, mw(h.FormPage())})
	}
	for i := range out {
		out[i].handler = only(out[i].methods, out[i].handler)
	}
	return out
}
