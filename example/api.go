package main

import (
	"encoding/json"
	"net/http"

	"github.com/wixauth/wixauth"
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

// cartJSON wraps Wix's cart object as Wix does: {"cart": {...}}.
type cartJSON struct {
	Cart json.RawMessage `json:"cart"`
}

func (a *app) apiCart(w http.ResponseWriter, r *http.Request) {
	cart, err := fetchCart(r.Context(), wixauth.FromRequest(r))
	if err != nil {
		a.wixFailed(w, r, "load your cart", err)
		return
	}
	writeJSON(w, http.StatusOK, cartJSON{cart})
}

func (a *app) apiCartAdd(w http.ResponseWriter, r *http.Request) {
	cart, err := addDemoItem(r.Context(), wixauth.FromRequest(r))
	if err != nil {
		a.wixFailed(w, r, "add the item to your cart", err)
		return
	}
	writeJSON(w, http.StatusOK, cartJSON{cart})
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
