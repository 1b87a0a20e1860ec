package wixtest

import "net/http"

// Checkout is a checkout created from a cart: a snapshot of its lines and
// the identity it belongs to.
type Checkout struct {
	ID        string
	CartID    string
	Identity  string // visitor or member ID of the buyer
	LineItems []LineItem
}

// handleCreateCheckout answers POST /ecom/v1/carts/current/create-checkout
// as Wix does: {"checkoutId": "..."} for the current cart, 404
// OWNED_CART_NOT_FOUND when the identity has no cart, and a validation error
// without channelType. A cart makes one checkout: asking again answers the
// same ID, with the lines brought up to date.
func (s *Server) handleCreateCheckout(w http.ResponseWriter, r *http.Request, body []byte) {
	t := s.authenticate(w, r)
	if t == nil {
		return
	}
	var b struct {
		ChannelType string `json:"channelType"`
	}
	if err := decodeJSON(body, &b); err != nil {
		writeBadJSON(w, err)
		return
	}
	if b.ChannelType == "" {
		writeFieldError(w, "channelType", "must not be empty", "")
		return
	}
	s.mu.Lock()
	c := s.carts[t.identity]
	if c == nil {
		s.mu.Unlock()
		writeAppError(w, http.StatusNotFound, "OWNED_CART_NOT_FOUND", "cart not found for the current visitor or member")
		return
	}
	if c.checkoutID == "" {
		c.checkoutID = newUUID()
	}
	s.checkouts[c.checkoutID] = &Checkout{ID: c.checkoutID, CartID: c.id, Identity: t.identity, LineItems: append([]LineItem(nil), c.items...)}
	id := c.checkoutID
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"checkoutId": id})
}

// CheckoutByID returns the checkout with that ID, as it was last created.
func (s *Server) CheckoutByID(id string) (Checkout, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.checkouts[id]
	if c == nil {
		return Checkout{}, false
	}
	out := *c
	out.LineItems = append([]LineItem(nil), c.LineItems...)
	return out, true
}
