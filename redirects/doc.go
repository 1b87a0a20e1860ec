// Package redirects creates Wix redirect sessions with a request's
// wixauth.Client: one-time URLs on Wix's own pages (checkout, login, plans,
// bookings) that carry the session's identity, as the SDK's
// redirects.createRedirectSession(), and the sync of Wix's own session
// cookie (SyncURL, SyncToWixPages, as the SDK's sessions module).
//
//	rs, err := redirects.To(ctx, c, map[string]any{"ecomCheckout": map[string]any{"checkoutId": id}},
//		redirects.Callbacks{ThankYouPageURL: base + "/thanks"})
//	http.Redirect(w, r, rs.FullURL, http.StatusSeeOther)
//
// Only ever give callbacks of your own app.
package redirects
