package ecom_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/ecom"
	"github.com/wixauth/wixauth/redirects"
	"github.com/wixauth/wixauth/wixauthtest"
	"github.com/wixauth/wixauth/wixtest"
)

func TestCurrentCartMissingIsEmpty(t *testing.T) {
	e := wixauthtest.New(t)
	ctx := e.Visitor(t).Context(t)
	cart, err := ecom.CurrentCart(ctx, wixauth.FromContext(ctx))
	if err != nil {
		t.Fatalf("CurrentCart of a visitor without a cart: %v, want an empty cart", err)
	}
	if !cart.Empty() || cart.Count() != 0 {
		t.Fatalf("cart = %+v, want empty", cart)
	}
	if n := e.Wix.Count(wixtest.EndpointCart); n != 1 {
		t.Fatalf("%d cart calls, want 1", n)
	}
}

func TestCurrentCartOtherErrors(t *testing.T) {
	e := wixauthtest.New(t)
	ctx := e.Visitor(t).Context(t)
	// A 404 of another kind is not an empty cart.
	e.Wix.Fail(wixtest.EndpointCart, wixtest.Fault{Status: http.StatusNotFound, Body: `{"message":"no","details":{"applicationError":{"code":"SOMETHING_ELSE"}}}`, Times: 1})
	if _, err := ecom.CurrentCart(ctx, wixauth.FromContext(ctx)); err == nil {
		t.Fatal("a 404 other than OWNED_CART_NOT_FOUND read as an empty cart")
	}
	e.Wix.Fail(wixtest.EndpointCart, wixtest.Fault{Status: http.StatusBadGateway, Times: 1})
	var ae *wixauth.APIError
	if _, err := ecom.CurrentCart(ctx, wixauth.FromContext(ctx)); !errors.As(err, &ae) || ae.StatusCode != http.StatusBadGateway {
		t.Fatalf("a 502: %v, want the *APIError", err)
	}
}

func TestAddToCartThenCurrentCart(t *testing.T) {
	e := wixauthtest.New(t)
	s := e.Visitor(t)
	ctx := s.Context(t)
	c := wixauth.FromContext(ctx)

	cart, err := ecom.AddToCart(ctx, c, ecom.StoresProduct("shoe", 2), ecom.StoresProduct("hat", 0))
	if err != nil {
		t.Fatal(err)
	}
	if cart.Count() != 3 || len(cart.LineItems) != 2 || cart.BuyerInfo.VisitorID == "" || cart.Subtotal.Amount != "30.00" {
		t.Fatalf("after add: %+v", cart)
	}
	li := cart.LineItems[0]
	if li.CatalogReference.AppID != ecom.WixStoresAppID || li.CatalogReference.CatalogItemID != "shoe" || li.Quantity != 2 || li.ProductName.Original == "" || li.Price.FormattedAmount != "$10.00" {
		t.Fatalf("line %+v", li)
	}
	s.Save(t, ctx)

	// A later request (another context on the same session) sees it, and
	// sends Wix's read-your-writes marker back.
	ctx2 := s.Context(t)
	again, err := ecom.CurrentCart(ctx2, wixauth.FromContext(ctx2))
	if err != nil || again.ID != cart.ID || again.Count() != 3 {
		t.Fatalf("CurrentCart after add: %+v, %v", again, err)
	}
	log := e.Wix.Requests()
	if last := log[len(log)-1]; last.Endpoint != wixtest.EndpointCart || last.Header.Get("X-Wix-Consistent") == "" {
		t.Errorf("the cart read after add-to-cart did not send X-Wix-Consistent back")
	}
}

func TestAddToCartRefusesBadItems(t *testing.T) {
	e := wixauthtest.New(t)
	ctx := e.Visitor(t).Context(t)
	c := wixauth.FromContext(ctx)
	for name, items := range map[string][]ecom.Item{
		"none":         nil,
		"no app":       {{CatalogReference: ecom.CatalogReference{CatalogItemID: "x"}}},
		"no item":      {{CatalogReference: ecom.CatalogReference{AppID: ecom.WixStoresAppID}}},
		"negative qty": {ecom.StoresProduct("x", -1)},
	} {
		if _, err := ecom.AddToCart(ctx, c, items...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := e.Wix.Count(wixtest.EndpointAddToCart); n != 0 {
		t.Errorf("%d add-to-cart calls for refused items, want 0", n)
	}
}

func TestCheckoutURL(t *testing.T) {
	e := wixauthtest.New(t)
	ctx := e.Visitor(t).Context(t)
	c := wixauth.FromContext(ctx)

	if _, err := ecom.CheckoutURL(ctx, c, redirects.Callbacks{}); !errors.Is(err, ecom.ErrEmptyCart) {
		t.Fatalf("checkout without a cart: %v, want ErrEmptyCart", err)
	}
	if _, err := ecom.AddToCart(ctx, c, ecom.StoresProduct("shoe", 1)); err != nil {
		t.Fatal(err)
	}
	cb := redirects.Callbacks{ThankYouPageURL: wixauthtest.BaseURL + "/thanks", CartPageURL: wixauthtest.BaseURL + "/cart"}
	u, err := ecom.CheckoutURL(ctx, c, cb)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, e.Wix.URL+"/") {
		t.Fatalf("checkout URL %q is not on Wix", u)
	}
	// The redirect session names the checkout just created, for this cart.
	var checkoutID string
	for _, r := range e.Wix.Requests() {
		if r.Endpoint == wixtest.EndpointRedirectSession && strings.Contains(string(r.Body), "ecomCheckout") {
			body := string(r.Body)
			i := strings.Index(body, `"checkoutId":"`)
			if i < 0 || !strings.Contains(body, "/thanks") {
				t.Fatalf("redirect session body %s", body)
			}
			checkoutID = strings.SplitN(body[i+len(`"checkoutId":"`):], `"`, 2)[0]
		}
	}
	co, ok := e.Wix.CheckoutByID(checkoutID)
	if !ok || len(co.LineItems) != 1 || co.LineItems[0].CatalogReference.CatalogItemID != "shoe" {
		t.Fatalf("checkout %q: %+v, %v", checkoutID, co, ok)
	}
	// Wix's page for it links back to the app's thank-you page.
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page := new(strings.Builder)
	if _, err := io.Copy(page, resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(page.String(), wixauthtest.BaseURL+"/thanks") {
		t.Fatalf("checkout page: %d %s", resp.StatusCode, page)
	}
}

func TestCheckoutNeedsAClient(t *testing.T) {
	if _, err := ecom.CheckoutURL(t.Context(), nil, redirects.Callbacks{}); !errors.Is(err, wixauth.ErrNoClient) {
		t.Fatalf("nil client: %v, want ErrNoClient", err)
	}
}
