package handlers

import (
	"net/http"

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
//	GET  prefix/direct-login    the page of DirectLoginWebMessage (?state=)
//	GET  prefix/direct-login.js its script
//
// It panics if prefix is not a plain path, as http.ServeMux does for bad
// patterns. Use New and Handlers.Mount for more settings.
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
	mw := h.auth.Middleware
	p := h.cfg.Prefix
	mux.Handle(p+"/login", mw(h.Login()))
	mux.Handle("GET "+h.cfg.CallbackPath, mw(h.Callback()))
	mux.Handle(p+"/logout", mw(h.Logout()))
	mux.Handle(p+"/register", mw(h.Register()))
	mux.Handle(p+"/verify", mw(h.Verify()))
	mux.Handle(p+"/password-reset", mw(h.PasswordReset()))
	mux.Handle("GET "+p+"/direct-login", mw(h.DirectLoginPage()))
	mux.Handle("GET "+p+"/direct-login.js", h.DirectLoginScript())
}
