package main

// The app under load: the example app's wiring (example/app.go, which is a
// main package and cannot be imported), reduced to the routes the load
// uses. Same store, codec, cookie, Auth config and member handlers; the
// JSON routes answer as example/api.go does.

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/stores"
)

const (
	cartPath      = "/ecom/v1/carts/current"
	addToCartPath = "/ecom/v1/carts/current/add-to-cart"
)

// newApp returns the app's handler, its Auth, and a function that releases
// its store.
func newApp(clientID, apiURL, baseURL string, log *slog.Logger) (http.Handler, *wixauth.Auth, func(), error) {
	st, err := stores.Open("memory")
	if err != nil {
		return nil, nil, nil, err
	}
	sm, err := wixauth.NewSessions(wixauth.SessionOptions{Store: st.Sessions, BaseURL: baseURL})
	if err != nil {
		return nil, nil, nil, err
	}
	auth, err := wixauth.New(wixauth.Config{
		ClientID: clientID, APIURL: apiURL, BaseURL: baseURL,
		Sessions: sm, Coordinator: st.Coordinator(), Logger: log,
		Skip: func(r *http.Request) bool { return r.URL.Path == "/healthz" },
	})
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	members, err := handlers.New(auth, handlers.Config{Prefix: "/auth", FormPath: "/login"})
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	mux := http.NewServeMux()
	members.Mount(mux)
	mux.HandleFunc("GET /api/session", func(w http.ResponseWriter, r *http.Request) {
		t := wixauth.FromRequest(r).Tokens()
		writeJSON(w, 200, map[string]any{"role": t.Role(), "loggedIn": t.LoggedIn(), "expiresAt": t.AccessToken.ExpiresAt})
	})
	mux.HandleFunc("GET /api/cart", func(w http.ResponseWriter, r *http.Request) {
		var out struct {
			Cart json.RawMessage `json:"cart"`
		}
		err := wixauth.FromRequest(r).Get(r.Context(), cartPath, &out)
		var ae *wixauth.APIError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound {
			writeJSON(w, 200, map[string]any{"cart": map[string]any{"lineItems": []any{}}})
			return
		}
		if err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": "Wix could not load your cart right now."})
			return
		}
		writeJSON(w, 200, out)
	})
	mux.HandleFunc("POST /api/cart", func(w http.ResponseWriter, r *http.Request) {
		in := map[string]any{"lineItems": []any{map[string]any{
			"catalogReference": map[string]string{"appId": "215238eb-22a5-4c36-9e7b-e7c08025e04e", "catalogItemId": "demo-item"},
			"quantity":         1,
		}}}
		var out struct {
			Cart json.RawMessage `json:"cart"`
		}
		if err := wixauth.FromRequest(r).Post(r.Context(), addToCartPath, in, &out); err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": "Wix could not add the item right now."})
			return
		}
		writeJSON(w, 200, out)
	})
	return auth.Middleware(mux), auth, func() { st.Close() }, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
