package main

import (
	"encoding/json"
	"net/http"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/ecom"
)

// sessionJSON is the answer of GET /api/session. It says who the session
// belongs to and when its access token expires, never the token itself.
type sessionJSON struct {
	Role      string `json:"role"`
	LoggedIn  bool   `json:"loggedIn"`
	ExpiresAt int64  `json:"expiresAt"` // Unix seconds
}

func (a *app) apiSession(w http.ResponseWriter, r *http.Request) {
	t := wixauth.FromRequest(r).Tokens()
	writeJSON(w, http.StatusOK, sessionJSON{Role: string(t.Role()), LoggedIn: t.LoggedIn(), ExpiresAt: t.AccessToken.ExpiresAt})
}

// cartJSON wraps the cart as Wix does: {"cart": {...}}.
type cartJSON struct {
	Cart *ecom.Cart `json:"cart"`
}

func (a *app) apiCart(w http.ResponseWriter, r *http.Request) {
	cart, err := ecom.CurrentCart(r.Context(), wixauth.FromRequest(r))
	if err != nil {
		a.wixFailed(w, r, "load your cart", err)
		return
	}
	writeJSON(w, http.StatusOK, cartJSON{cart})
}

func (a *app) apiCartAdd(w http.ResponseWriter, r *http.Request) {
	cart, err := ecom.AddToCart(r.Context(), wixauth.FromRequest(r), demoItem)
	if err != nil {
		a.wixFailed(w, r, "add the item to your cart", err)
		return
	}
	writeJSON(w, http.StatusOK, cartJSON{cart})
}

// apiCheckout answers {"url": ...}, Wix's checkout page for the cart.
func (a *app) apiCheckout(w http.ResponseWriter, r *http.Request) {
	if u, ok := a.checkoutURL(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]string{"url": u})
	}
}

// apiMe answers the logged-in member (RequireMemberAPI answers 401 to
// visitors, fetch() and curl included).
func (a *app) apiMe(w http.ResponseWriter, r *http.Request) {
	m, err := a.members.Member(r)
	if err != nil {
		a.wixFailed(w, r, "load your member profile", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"member": m})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "Internal error: the answer could not be encoded.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
