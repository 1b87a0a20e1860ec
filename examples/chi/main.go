// Command chi is the wixauth example for a chi v5 app: the member handlers
// mounted as one http.Handler under /auth, the middleware in the router's
// chain, a members-only page behind RequireMember.
//
//	cd examples/chi && go run .
package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/examples/internal/shop"
)

func main() { shop.Main(routes) }

// routes is all of the chi integration.
func routes(s *shop.Shop, auth *wixauth.Auth) http.Handler {
	r := chi.NewRouter()
	r.Use(auth.Middleware)      // tokens for every request, a Client in the context
	r.Mount("/auth", s.Members) // login, callback, logout, register, verify, password reset
	r.Get("/", s.Home)
	r.Post("/cart", s.AddToCart)
	r.Post("/checkout", s.Checkout)
	r.With(s.Members.RequireMember).Get("/account", s.Account)
	r.Route("/api", func(r chi.Router) {
		r.Get("/session", s.Session)
		r.Get("/cart", s.Cart)
		r.Post("/cart", s.AddToCart)
		r.Post("/checkout", s.Checkout)
	})
	// The app's own POSTs refuse cross-origin requests, as the handlers'
	// do.
	return http.NewCrossOriginProtection().Handler(r)
}
