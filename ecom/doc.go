// Package ecom has typed helpers for the Wix eCommerce calls every shop
// makes with the request's wixauth.Client: the current cart (a visitor or
// member without one has an empty cart, not an error), adding to it, and
// checking it out on Wix's hosted checkout page.
//
//	c := wixauth.FromRequest(r)
//	cart, err := ecom.AddToCart(ctx, c, ecom.StoresProduct(productID, 1))
//	url, err := ecom.CheckoutURL(ctx, c, redirects.Callbacks{ThankYouPageURL: base + "/thanks"})
//	http.Redirect(w, r, url, http.StatusSeeOther)
//
// Every failure from Wix is a *wixauth.APIError, with Wix's request ID.
package ecom
