// Package shop is the small shop the router examples (examples/chi,
// examples/gorilla) serve, each with its own router: plain handlers over
// wixauth, ecom and the member handlers, so that an example shows only
// what differs per router, the wiring.
package shop

import (
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/ecom"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/redirects"
)

// Shop holds what its handlers share.
type Shop struct {
	Members *handlers.Handlers
	BaseURL string // the app's public origin, for Wix's callbacks
	Log     *slog.Logger
}

// demoItem is what "add to cart" adds.
var demoItem = ecom.StoresProduct("demo-item", 1)

// Home shows who the visitor is and the cart.
func (s *Shop) Home(w http.ResponseWriter, r *http.Request) {
	cart, err := ecom.CurrentCart(r.Context(), wixauth.FromRequest(r))
	if err != nil {
		s.wixFailed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	homePage.Execute(w, struct {
		Role  wixauth.Role
		Items int
	}{wixauth.FromRequest(r).Tokens().Role(), cart.Count()})
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html><title>Shop</title>
<p id="role">{{.Role}}</p><p>{{.Items}} items in the cart.</p>
<form method="post" action="/cart"><button>Add a demo item</button></form>
<form method="post" action="/checkout"><button>Check out</button></form>
<p><a href="/account">Your account</a></p>
<form method="post" action="/auth/logout"><button>Log out</button></form>`))

// Session answers {"role", "loggedIn"}, never a token.
func (s *Shop) Session(w http.ResponseWriter, r *http.Request) {
	c := wixauth.FromRequest(r)
	writeJSON(w, http.StatusOK, map[string]any{"role": c.Tokens().Role(), "loggedIn": c.LoggedIn()})
}

// Cart answers {"cart": ...}.
func (s *Shop) Cart(w http.ResponseWriter, r *http.Request) {
	cart, err := ecom.CurrentCart(r.Context(), wixauth.FromRequest(r))
	if err != nil {
		s.wixFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cart": cart})
}

// AddToCart adds the demo item and answers the cart; a form post goes
// back home.
func (s *Shop) AddToCart(w http.ResponseWriter, r *http.Request) {
	cart, err := ecom.AddToCart(r.Context(), wixauth.FromRequest(r), demoItem)
	if err != nil {
		s.wixFailed(w, r, err)
		return
	}
	if !handlers.WantsJSON(r) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cart": cart})
}

// Checkout sends the browser to Wix's checkout page, or answers {"url"}
// to a JSON request.
func (s *Shop) Checkout(w http.ResponseWriter, r *http.Request) {
	u, err := ecom.CheckoutURL(r.Context(), wixauth.FromRequest(r), redirects.Callbacks{
		ThankYouPageURL: s.BaseURL + "/account", CartPageURL: s.BaseURL + "/", PostFlowURL: s.BaseURL + "/"})
	if errors.Is(err, ecom.ErrEmptyCart) {
		http.Error(w, "Your cart is empty.", http.StatusConflict)
		return
	}
	if err != nil {
		s.wixFailed(w, r, err)
		return
	}
	if !handlers.WantsJSON(r) {
		http.Redirect(w, r, u, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": u})
}

// Account is the members-only page: mount it behind Members.RequireMember.
func (s *Shop) Account(w http.ResponseWriter, r *http.Request) {
	m, err := s.Members.Member(r) // cached in the session after the first page
	if err != nil {
		s.wixFailed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	accountPage.Execute(w, m)
}

var accountPage = template.Must(template.New("account").Parse(`<!doctype html><title>Your account</title>
<p>Hello, {{.Name}}.</p><p id="email">{{.LoginEmail}}</p>
<form method="post" action="/auth/logout"><button>Log out</button></form>`))

func (s *Shop) wixFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error("shop: Wix call failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	http.Error(w, "Wix could not be reached. Please try again in a moment.", http.StatusBadGateway)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
