package ecom_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/ecom"
	"github.com/wixauth/wixauth/redirects"
	"github.com/wixauth/wixauth/wixtest"
)

// A shop's cart and checkout handlers, against the fake Wix.
func Example() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: "https://shop.example",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /cart", func(w http.ResponseWriter, r *http.Request) {
		cart, err := ecom.CurrentCart(r.Context(), wixauth.FromRequest(r)) // no cart yet: empty, not an error
		if err != nil {
			http.Error(w, "cart unavailable", http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "%d items", cart.Count())
	})
	mux.HandleFunc("POST /cart", func(w http.ResponseWriter, r *http.Request) {
		cart, err := ecom.AddToCart(r.Context(), wixauth.FromRequest(r), ecom.StoresProduct("sock", 2))
		if err != nil {
			http.Error(w, "cart unavailable", http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "%d items, %s", cart.Count(), cart.Subtotal.FormattedAmount)
	})
	mux.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		u, err := ecom.CheckoutURL(r.Context(), wixauth.FromRequest(r), redirects.Callbacks{ThankYouPageURL: "https://shop.example/thanks"})
		if err != nil {
			http.Error(w, "checkout unavailable", http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, u, http.StatusSeeOther)
	})
	app := auth.Middleware(mux)

	// One browser: the session cookie of the first answer, sent back.
	var cookie *http.Cookie
	do := func(method, path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "https://shop.example"+path, nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		if c := w.Result().Cookies(); len(c) > 0 {
			cookie = c[0]
		}
		return w
	}
	fmt.Println(do("GET", "/cart").Body)
	fmt.Println(do("POST", "/cart").Body)
	w := do("POST", "/checkout")
	fmt.Println(w.Code, strings.HasPrefix(w.Header().Get("Location"), wix.URL))
	// Output:
	// 0 items
	// 2 items, $20.00
	// 303 true
}
