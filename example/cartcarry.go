package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/ecom"
)

// The visitor's cart at login. Wix keeps a cart per identity: the login
// gives the session the member's tokens, and the visitor's cart is out of
// reach from then on. The app carries the items itself: it reads the
// visitor's lines on the routes where the handlers' logins complete (the
// callback, and the web_message finish's POST /auth/direct-login), before
// the login completes, and adds them to the member's cart in
// Config.OnLogin, which SignIn calls with that request's context once the
// member's tokens are in place.

// carriedItemsKey holds, in a callback request's context, the lines of the
// visitor's cart read before the login.
type carriedItemsKey struct{}

// carryCart wraps a route where logins complete: it reads the visitor's
// cart (one Wix call, on those routes only) and hands its lines to addCarriedItems
// through the request's context.
func (a *app) carryCart(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := wixauth.FromRequest(r)
		if c != nil && !c.LoggedIn() {
			cart, err := ecom.CurrentCart(r.Context(), c)
			switch {
			case err != nil:
				// The login goes on; only the items are not carried.
				a.log.Warn("example: the visitor's cart could not be read before the login; its items stay behind", slog.Any("error", err))
			case !cart.Empty():
				r = r.WithContext(context.WithValue(r.Context(), carriedItemsKey{}, cart.LineItems))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// addCarriedItems is Config.OnLogin: it adds the visitor's lines, if the
// callback carried any, to the member's current cart.
func (a *app) addCarriedItems(ctx context.Context, c *wixauth.Client) {
	lines, _ := ctx.Value(carriedItemsKey{}).([]ecom.LineItem)
	if len(lines) == 0 {
		return
	}
	items := make([]ecom.Item, 0, len(lines))
	for _, li := range lines {
		items = append(items, ecom.Item{CatalogReference: li.CatalogReference, Quantity: li.Quantity})
	}
	if _, err := ecom.AddToCart(ctx, c, items...); err != nil {
		a.log.Warn("example: the visitor's items could not be added to the member's cart", slog.Int("lines", len(items)), slog.Any("error", err))
	}
}
