// Command gorilla is the wixauth example for a gorilla/mux app: the member
// handlers mounted as one http.Handler with PathPrefix, the middleware with
// Use, a members-only page behind RequireMember.
//
//	cd examples/gorilla && go run .
package main

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/examples/internal/shop"
)

func main() { shop.Main(routes) }

// routes is all of the gorilla/mux integration.
func routes(s *shop.Shop, auth *wixauth.Auth) http.Handler {
	r := mux.NewRouter()
	r.Use(auth.Middleware)                    // tokens for every matched route
	r.PathPrefix("/auth/").Handler(s.Members) // login, callback, logout, ...
	r.HandleFunc("/", s.Home).Methods(http.MethodGet)
	r.HandleFunc("/cart", s.AddToCart).Methods(http.MethodPost)
	r.HandleFunc("/checkout", s.Checkout).Methods(http.MethodPost)
	r.Handle("/account", s.Members.RequireMember(http.HandlerFunc(s.Account))).Methods(http.MethodGet)
	api := r.PathPrefix("/api").Subrouter()
	api.HandleFunc("/session", s.Session).Methods(http.MethodGet)
	api.HandleFunc("/cart", s.Cart).Methods(http.MethodGet)
	api.HandleFunc("/cart", s.AddToCart).Methods(http.MethodPost)
	api.HandleFunc("/checkout", s.Checkout).Methods(http.MethodPost)
	return http.NewCrossOriginProtection().Handler(r)
}
