package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/wixauth/wixauth"
)

// The Wix calls the app makes, through the request's wixauth.Client, which
// adds the visitor's or member's access token (and renews it if needed).

const (
	cartPath      = "/ecom/v1/carts/current"
	addToCartPath = "/ecom/v1/carts/current/add-to-cart"
	memberPath    = "/members/v1/members/my"

	// wixStoresAppID is the app ID of Wix Stores products in catalog references.
	wixStoresAppID = "215238eb-22a5-4c36-9e7b-e7c08025e04e"
	demoItemID     = "demo-item"
)

// emptyCart is what the app shows for an identity Wix has no cart for.
var emptyCart = json.RawMessage(`{"lineItems":[]}`)

// fetchCart returns Wix's cart object of the current visitor or member, as
// Wix sent it. Wix answers 404 OWNED_CART_NOT_FOUND until something was
// added: that is an empty cart, not an error.
func fetchCart(ctx context.Context, c *wixauth.Client) (json.RawMessage, error) {
	var out struct {
		Cart json.RawMessage `json:"cart"`
	}
	err := c.Get(ctx, cartPath, &out)
	var ae *wixauth.APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound && ae.Code == "OWNED_CART_NOT_FOUND" {
		return emptyCart, nil
	}
	if err != nil {
		return nil, err
	}
	if len(out.Cart) == 0 || string(out.Cart) == "null" {
		return emptyCart, nil
	}
	return out.Cart, nil
}

// addDemoItem adds one demo item to the current cart (Wix creates the cart
// on the first add) and returns the cart as Wix answered it.
func addDemoItem(ctx context.Context, c *wixauth.Client) (json.RawMessage, error) {
	in := map[string]any{"lineItems": []any{map[string]any{
		"catalogReference": map[string]string{"appId": wixStoresAppID, "catalogItemId": demoItemID},
		"quantity":         1,
	}}}
	var out struct {
		Cart json.RawMessage `json:"cart"`
	}
	if err := c.Post(ctx, addToCartPath, in, &out); err != nil {
		return nil, err
	}
	if len(out.Cart) == 0 || string(out.Cart) == "null" {
		return fetchCart(ctx, c)
	}
	return out.Cart, nil
}

// member is the part of Wix's member object the pages show.
type member struct {
	ID         string `json:"id"`
	LoginEmail string `json:"loginEmail"`
	Profile    struct {
		Nickname string `json:"nickname"`
	} `json:"profile"`
}

// fetchMember returns the logged-in member (GET /members/v1/members/my).
func fetchMember(ctx context.Context, c *wixauth.Client) (*member, error) {
	var out struct {
		Member member `json:"member"`
	}
	if err := c.Get(ctx, memberPath, &out); err != nil {
		return nil, err
	}
	return &out.Member, nil
}

// cartView is the part of Wix's cart object the pages show.
type cartView struct {
	LineItems []struct {
		ID          string `json:"id"`
		Quantity    int    `json:"quantity"`
		ProductName struct {
			Original   string `json:"original"`
			Translated string `json:"translated"`
		} `json:"productName"`
		Price struct {
			FormattedAmount string `json:"formattedAmount"`
		} `json:"price"`
	} `json:"lineItems"`
	Subtotal struct {
		FormattedAmount string `json:"formattedAmount"`
	} `json:"subtotal"`
}

func newCartView(raw json.RawMessage) (*cartView, error) {
	var v cartView
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Count is the number of items in the cart.
func (v *cartView) Count() int {
	n := 0
	for _, li := range v.LineItems {
		n += li.Quantity
	}
	return n
}
