package wixtest

import (
	"net/http"
	"testing"
)

func TestCreateCheckout(t *testing.T) {
	s := NewServer()
	defer s.Close()
	base := s.URL + "/ecom/v1/carts/current"
	alice, _ := anonymous(t, s)
	web := map[string]any{"channelType": "WEB"}

	expectAppError(t, postJSON(t, base+"/create-checkout", alice, web), http.StatusNotFound, "OWNED_CART_NOT_FOUND")

	postJSON(t, base+"/add-to-cart", alice, addItem("shoe", 2))
	expectStatus(t, postJSON(t, base+"/create-checkout", alice, map[string]any{}), http.StatusBadRequest)
	r := postJSON(t, base+"/create-checkout", alice, web)
	expectStatus(t, r, http.StatusOK)
	id := str(r.json(t), "checkoutId")
	if id == "" {
		t.Fatalf("no checkoutId in %s", r.Body)
	}
	c, ok := s.CheckoutByID(id)
	if !ok || len(c.LineItems) != 1 || c.LineItems[0].Quantity != 2 || c.Identity == "" {
		t.Fatalf("CheckoutByID = %+v, %v", c, ok)
	}
	if got := str(get(t, base, alice).json(t), "cart.checkoutId"); got != id {
		t.Errorf("cart.checkoutId = %q, want %q", got, id)
	}

	// Again after a change: the same checkout, with the new lines.
	postJSON(t, base+"/add-to-cart", alice, addItem("hat", 1))
	if again := str(postJSON(t, base+"/create-checkout", alice, web).json(t), "checkoutId"); again != id {
		t.Errorf("second checkout %q, want the same %q", again, id)
	}
	if c, _ := s.CheckoutByID(id); len(c.LineItems) != 2 {
		t.Errorf("checkout lines not brought up to date: %+v", c.LineItems)
	}
	if _, ok := s.CheckoutByID("nope"); ok {
		t.Error("CheckoutByID found an unknown checkout")
	}
	expectAppError(t, do(t, "POST", base+"/create-checkout", nil, `{"channelType":"WEB"}`), http.StatusUnauthorized, "UNAUTHENTICATED")
}
