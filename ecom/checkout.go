package ecom

import (
	"context"
	"errors"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/redirects"
)

// ErrEmptyCart is returned by CreateCheckout and CheckoutURL when the
// visitor or member has no cart to check out.
var ErrEmptyCart = errors.New("ecom: the cart is empty: add something before checking out")

// CreateCheckout creates a checkout from the current cart (channel "WEB")
// and returns its ID. A missing cart is ErrEmptyCart.
func CreateCheckout(ctx context.Context, c *wixauth.Client) (string, error) {
	var out struct {
		CheckoutID string `json:"checkoutId"`
	}
	err := c.Post(ctx, createCheckoutPath, map[string]string{"channelType": "WEB"}, &out)
	if noCart(err) {
		return "", ErrEmptyCart
	}
	if err != nil {
		return "", err
	}
	if out.CheckoutID == "" {
		return "", errors.New("ecom: Wix answered create-checkout without a checkoutId")
	}
	return out.CheckoutID, nil
}

// CheckoutURL creates a checkout from the current cart and a redirect
// session to Wix's hosted checkout page for it, and returns the page's URL:
// send the browser there. callbacks say where Wix sends the browser back
// (ThankYouPageURL after paying, CartPageURL, PostFlowURL); give only URLs
// of your own app.
func CheckoutURL(ctx context.Context, c *wixauth.Client, callbacks redirects.Callbacks) (string, error) {
	id, err := CreateCheckout(ctx, c)
	if err != nil {
		return "", err
	}
	rs, err := redirects.To(ctx, c, map[string]any{"ecomCheckout": map[string]string{"checkoutId": id}}, callbacks)
	if err != nil {
		return "", err
	}
	return rs.FullURL, nil
}
