package wixtest

import (
	"net/http"
	"testing"
)

func addItem(id string, qty int) map[string]any {
	return map[string]any{"lineItems": []any{map[string]any{
		"catalogReference": map[string]any{"appId": "215238eb-22a5-4c36-9e7b-e7c08025e04e", "catalogItemId": id},
		"quantity":         qty,
	}}}
}

func TestCartPerIdentity(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	cartURL, addURL := s.URL+"/ecom/v1/carts/current", s.URL+"/ecom/v1/carts/current/add-to-cart"
	alice, _ := anonymous(t, s)
	bob, _ := anonymous(t, s)
	member, _ := s.IssueMemberTokens(DemoEmail)

	expectAppError(t, get(t, cartURL, alice), http.StatusNotFound, "OWNED_CART_NOT_FOUND")

	r := postJSON(t, addURL, alice, addItem("shoe", 2))
	expectStatus(t, r, http.StatusOK)
	if r.Header.Get("X-Wix-Consistent") == "" {
		t.Error("add-to-cart without X-Wix-Consistent")
	}
	r = postJSON(t, addURL, alice, addItem("shoe", 1))
	consistent := r.Header.Get("X-Wix-Consistent")
	r = postJSON(t, addURL, alice, addItem("hat", 0))
	m := r.json(t)
	items, _ := field(m, "cart.lineItems").([]any)
	if len(items) != 2 || str(m, "cart.subtotal.amount") != "40.00" || str(m, "cart.buyerInfo.visitorId") == "" {
		t.Fatalf("cart %s", r.Body)
	}

	h := http.Header{"Authorization": {alice}, "X-Wix-Consistent": {consistent}}
	r = do(t, "GET", cartURL, h, "")
	expectStatus(t, r, http.StatusOK)
	if r.Header.Get("X-Wix-Consistent") != "" {
		t.Error("a read answered X-Wix-Consistent")
	}
	log := s.Requests()
	if log[len(log)-1].Header.Get("X-Wix-Consistent") != consistent {
		t.Error("log does not keep the X-Wix-Consistent sent back")
	}

	got := s.CartOf(alice)
	if len(got) != 2 || got[0].CatalogReference.CatalogItemID != "shoe" || got[0].Quantity != 3 || got[1].Quantity != 1 {
		t.Fatalf("CartOf %+v", got)
	}
	if s.CartOf(bob) != nil {
		t.Fatal("bob shares alice's cart")
	}
	expectAppError(t, get(t, cartURL, bob), http.StatusNotFound, "OWNED_CART_NOT_FOUND")

	r = postJSON(t, addURL, member, addItem("book", 1))
	if str(r.json(t), "cart.buyerInfo.memberId") == "" {
		t.Fatalf("member cart %s", r.Body)
	}
	if len(s.CartOf(member)) != 1 || len(s.CartOf(alice)) != 2 {
		t.Fatal("member and visitor carts mixed")
	}

	expectStatus(t, postJSON(t, addURL, alice, map[string]any{"lineItems": []any{}}), http.StatusBadRequest)
	expectStatus(t, postJSON(t, addURL, alice, map[string]any{"lineItems": []any{map[string]any{"catalogReference": map[string]any{"appId": "x"}}}}), http.StatusBadRequest)
	expectAppError(t, do(t, "POST", addURL, http.Header{"Authorization": {alice}}, "lineItems=1"), http.StatusBadRequest, "INVALID_ARGUMENT")
	expectStatus(t, do(t, "DELETE", cartURL, http.Header{"Authorization": {alice}}, ""), http.StatusMethodNotAllowed)
}
