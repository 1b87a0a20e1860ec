package wixtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// UnitPriceCents is the price of every catalog item in the fake (USD 10.00),
// so that tests can predict subtotals.
const UnitPriceCents = 1000

// CatalogReference names a catalog item, as in Wix's eCommerce API.
type CatalogReference struct {
	AppID         string         `json:"appId"`
	CatalogItemID string         `json:"catalogItemId"`
	Options       map[string]any `json:"options,omitempty"`
}

// LineItem is one line of a cart.
type LineItem struct {
	ID               string           `json:"id"`
	Quantity         int              `json:"quantity"`
	CatalogReference CatalogReference `json:"catalogReference"`
}

type cart struct {
	id         string
	checkoutID string // set by create-checkout
	identity   string
	role       string
	items      []LineItem
	created    time.Time
	updated    time.Time
}

type price struct {
	Amount                   string `json:"amount"`
	ConvertedAmount          string `json:"convertedAmount"`
	FormattedAmount          string `json:"formattedAmount"`
	FormattedConvertedAmount string `json:"formattedConvertedAmount"`
}

func priceOf(cents int) price {
	a := fmt.Sprintf("%d.%02d", cents/100, cents%100)
	return price{a, a, "$" + a, "$" + a}
}

type lineItemJSON struct {
	LineItem
	ProductName map[string]string `json:"productName"`
	Price       price             `json:"price"`
}

func (c *cart) toJSON() map[string]any {
	items := make([]lineItemJSON, 0, len(c.items))
	total := 0
	for _, li := range c.items {
		name := "Item " + li.CatalogReference.CatalogItemID
		items = append(items, lineItemJSON{li, map[string]string{"original": name, "translated": name}, priceOf(UnitPriceCents)})
		total += li.Quantity * UnitPriceCents
	}
	buyer := map[string]string{"visitorId": c.identity}
	if c.role == roleMember {
		buyer = map[string]string{"memberId": c.identity}
	}
	out := map[string]any{
		"id":                 c.id,
		"lineItems":          items,
		"subtotal":           priceOf(total),
		"currency":           "USD",
		"conversionCurrency": "USD",
		"buyerInfo":          buyer,
		"createdDate":        c.created.UTC().Format(time.RFC3339Nano),
		"updatedDate":        c.updated.UTC().Format(time.RFC3339Nano),
	}
	if c.checkoutID != "" {
		out["checkoutId"] = c.checkoutID
	}
	return map[string]any{"cart": out}
}

// handleCart answers the current cart. An identity that never added anything
// has no cart, and Wix then answers 404 OWNED_CART_NOT_FOUND.
func (s *Server) handleCart(w http.ResponseWriter, r *http.Request, _ []byte) {
	t := s.authenticate(w, r)
	if t == nil {
		return
	}
	s.mu.Lock()
	var out map[string]any
	if c := s.carts[t.identity]; c != nil {
		out = c.toJSON()
	}
	s.mu.Unlock()
	if out == nil {
		writeAppError(w, http.StatusNotFound, "OWNED_CART_NOT_FOUND", "cart not found for the current visitor or member")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAddToCart(w http.ResponseWriter, r *http.Request, body []byte) {
	t := s.authenticate(w, r)
	if t == nil {
		return
	}
	var b struct {
		LineItems []struct {
			CatalogReference *CatalogReference `json:"catalogReference"`
			Quantity         int               `json:"quantity"`
		} `json:"lineItems"`
	}
	if err := decodeJSON(body, &b); err != nil {
		writeBadJSON(w, err)
		return
	}
	if len(b.LineItems) == 0 {
		writeFieldError(w, "lineItems", "must not be empty", "")
		return
	}
	for i, li := range b.LineItems {
		f := "lineItems[" + strconv.Itoa(i) + "]"
		switch {
		case li.CatalogReference == nil:
			writeFieldError(w, f+".catalogReference", "must not be empty", "")
			return
		case li.CatalogReference.AppID == "":
			writeFieldError(w, f+".catalogReference.appId", "must not be empty", "")
			return
		case li.CatalogReference.CatalogItemID == "":
			writeFieldError(w, f+".catalogReference.catalogItemId", "must not be empty", "")
			return
		case li.Quantity < 0:
			writeFieldError(w, f+".quantity", "must be positive", "")
			return
		}
	}
	now := s.Now()
	s.mu.Lock()
	c := s.carts[t.identity]
	if c == nil {
		c = &cart{id: newUUID(), identity: t.identity, role: t.role, created: now}
		s.carts[t.identity] = c
	}
	for _, li := range b.LineItems {
		q := li.Quantity
		if q == 0 {
			q = 1 // Wix's default
		}
		c.add(*li.CatalogReference, q)
	}
	c.updated = now
	out := c.toJSON()
	s.mu.Unlock()
	// Read-your-writes token: the SDK sends it back on its next requests.
	w.Header().Set("X-Wix-Consistent", randomB64(24))
	writeJSON(w, http.StatusOK, out)
}

// add merges a reference into an existing line when it is the same item with
// the same options.
func (c *cart) add(ref CatalogReference, qty int) {
	key := refKey(ref)
	for i := range c.items {
		if refKey(c.items[i].CatalogReference) == key {
			c.items[i].Quantity += qty
			return
		}
	}
	c.items = append(c.items, LineItem{ID: newUUID(), Quantity: qty, CatalogReference: ref})
}

func refKey(r CatalogReference) string {
	b, _ := json.Marshal(r) // map keys are sorted, so equal options give equal keys
	return string(b)
}

// CartOf returns the cart lines of the identity behind that access token
// (expired tokens included, for inspection after Advance), or nil if the
// token is unknown or the identity has no cart.
func (s *Server) CartOf(accessToken string) []LineItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.access[accessToken]
	if t == nil || s.carts[t.identity] == nil {
		return nil
	}
	items := s.carts[t.identity].items
	out := make([]LineItem, len(items))
	for i, li := range items {
		out[i] = li
		out[i].CatalogReference.Options = cloneMap(li.CatalogReference.Options)
	}
	return out
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
