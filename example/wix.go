package main

import (
	"errors"
	"net/http"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/ecom"
	"github.com/wixauth/wixauth/redirects"
)

// The Wix calls of the app go through the typed helpers of packages ecom
// and members with the request's wixauth.Client, which adds the visitor's
// or member's access token (and renews it if needed).

// demoItem is the catalog item the "Add a demo item" button adds.
var demoItem = ecom.StoresProduct("demo-item", 1)

// checkoutCallbacks are where Wix's checkout page sends the browser back.
func (a *app) checkoutCallbacks() redirects.Callbacks {
	return redirects.Callbacks{ThankYouPageURL: a.base + "/account", CartPageURL: a.base + "/", PostFlowURL: a.base + "/"}
}

// checkout sends the browser to Wix's checkout page for the current cart.
func (a *app) checkout(w http.ResponseWriter, r *http.Request) {
	if u, ok := a.checkoutURL(w, r); ok {
		http.Redirect(w, r, u, http.StatusSeeOther)
	}
}

// checkoutURL returns Wix's checkout page for the cart, or answers why
// there is none and reports false.
func (a *app) checkoutURL(w http.ResponseWriter, r *http.Request) (string, bool) {
	u, err := ecom.CheckoutURL(r.Context(), wixauth.FromRequest(r), a.checkoutCallbacks())
	if errors.Is(err, ecom.ErrEmptyCart) {
		a.fail(w, r, http.StatusConflict, "Your cart is empty: add something before checking out.")
		return "", false
	}
	if err != nil {
		a.wixFailed(w, r, "start the checkout", err)
		return "", false
	}
	return u, true
}
