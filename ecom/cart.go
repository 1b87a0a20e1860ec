package ecom

import (
	"context"
	"errors"
	"net/http"

	"github.com/wixauth/wixauth"
)

// The paths of the Current Cart API.
const (
	cartPath           = "/ecom/v1/carts/current"
	addToCartPath      = cartPath + "/add-to-cart"
	createCheckoutPath = cartPath + "/create-checkout"
)

// WixStoresAppID is the app ID of Wix Stores products, for
// CatalogReference.AppID.
const WixStoresAppID = "215238eb-22a5-4c36-9e7b-e7c08025e04e"

// Cart is the cart of the current visitor or member. Its zero value is an
// empty cart: Wix creates the cart on the first AddToCart.
type Cart struct {
	ID string `json:"id,omitempty"`
	// CheckoutID is set once a checkout was created from the cart.
	CheckoutID string     `json:"checkoutId,omitempty"`
	LineItems  []LineItem `json:"lineItems"`
	Subtotal   Price      `json:"subtotal,omitzero"`
	Currency   string     `json:"currency,omitempty"`
	BuyerInfo  BuyerInfo  `json:"buyerInfo,omitzero"`
}

// Count is the number of items in the cart, all lines together.
func (c *Cart) Count() int {
	n := 0
	for _, li := range c.LineItems {
		n += li.Quantity
	}
	return n
}

// Empty reports whether the cart holds nothing.
func (c *Cart) Empty() bool { return len(c.LineItems) == 0 }

// LineItem is one line of a cart.
type LineItem struct {
	ID               string           `json:"id"`
	Quantity         int              `json:"quantity"`
	CatalogReference CatalogReference `json:"catalogReference"`
	ProductName      ProductName      `json:"productName"`
	Price            Price            `json:"price"`
}

// CatalogReference names a catalog item: the app that sells it (such as
// WixStoresAppID) and its ID in that app's catalog.
type CatalogReference struct {
	AppID         string         `json:"appId"`
	CatalogItemID string         `json:"catalogItemId"`
	Options       map[string]any `json:"options,omitempty"`
}

// ProductName is the name of a line's item, as entered and as translated
// for the buyer.
type ProductName struct {
	Original   string `json:"original"`
	Translated string `json:"translated"`
}

// Price is an amount as Wix gives it: decimal strings, and formatted for
// display in the site's currency.
type Price struct {
	Amount                   string `json:"amount"`
	ConvertedAmount          string `json:"convertedAmount"`
	FormattedAmount          string `json:"formattedAmount"`
	FormattedConvertedAmount string `json:"formattedConvertedAmount"`
}

// BuyerInfo says whose cart it is: a visitor's or a member's.
type BuyerInfo struct {
	VisitorID string `json:"visitorId,omitempty"`
	MemberID  string `json:"memberId,omitempty"`
}

// Item is what AddToCart adds: a catalog item and a quantity (0 means 1, as
// on Wix).
type Item struct {
	CatalogReference CatalogReference `json:"catalogReference"`
	Quantity         int              `json:"quantity,omitempty"`
}

// StoresProduct is an Item for a Wix Stores product.
func StoresProduct(productID string, quantity int) Item {
	return Item{CatalogReference: CatalogReference{AppID: WixStoresAppID, CatalogItemID: productID}, Quantity: quantity}
}

// CurrentCart returns the cart of the visitor or member of c. Wix answers
// 404 OWNED_CART_NOT_FOUND until something was added: that is an empty
// cart, returned without error.
func CurrentCart(ctx context.Context, c *wixauth.Client) (*Cart, error) {
	var out struct {
		Cart *Cart `json:"cart"`
	}
	err := c.Get(ctx, cartPath, &out)
	if noCart(err) {
		return emptyCart(), nil
	}
	if err != nil {
		return nil, err
	}
	if out.Cart == nil {
		return emptyCart(), nil
	}
	return out.Cart, nil
}

// AddToCart adds items to the current cart (Wix creates it on the first
// add) and returns the cart as Wix answered it. Wix's read-your-writes
// marker is kept with the session by c, so the next CurrentCart sees the
// change.
func AddToCart(ctx context.Context, c *wixauth.Client, items ...Item) (*Cart, error) {
	if len(items) == 0 {
		return nil, errors.New("ecom: AddToCart needs at least one item")
	}
	for _, it := range items {
		if it.CatalogReference.AppID == "" || it.CatalogReference.CatalogItemID == "" {
			return nil, errors.New("ecom: AddToCart needs a CatalogReference with AppID and CatalogItemID for every item (see StoresProduct)")
		}
		if it.Quantity < 0 {
			return nil, errors.New("ecom: AddToCart got a negative quantity")
		}
	}
	in := struct {
		LineItems []Item `json:"lineItems"`
	}{items}
	var out struct {
		Cart *Cart `json:"cart"`
	}
	if err := c.Post(ctx, addToCartPath, in, &out); err != nil {
		return nil, err
	}
	if out.Cart == nil {
		return CurrentCart(ctx, c)
	}
	return out.Cart, nil
}

// emptyCart has a non-nil LineItems, so that it encodes as
// {"lineItems": []}, as Wix's own empty carts do.
func emptyCart() *Cart { return &Cart{LineItems: []LineItem{}} }

// noCart reports Wix's answer for an identity without a cart.
func noCart(err error) bool {
	var ae *wixauth.APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound && ae.Code == "OWNED_CART_NOT_FOUND"
}
