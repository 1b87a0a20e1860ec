package redirects_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/redirects"
	"github.com/wixauth/wixauth/wixtest"
)

// Warm Wix's own cookie up once a week, as the SDK's syncToWixPages does:
// the page loads the URL in a hidden iframe when there is one.
func ExampleSyncToWixPages() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL})
	page := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := redirects.SyncToWixPages(r.Context(), wixauth.FromRequest(r), false)
		if err != nil || u == "" {
			fmt.Fprint(w, "no iframe")
			return
		}
		fmt.Fprint(w, "iframe") // <iframe hidden src="{{u}}">
	}))
	app := httptest.NewServer(page)
	defer app.Close()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for range 2 { // the second visit is within the week
		resp, err := browser.Get(app.URL)
		if err != nil {
			log.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(b))
	}
	// Output:
	// iframe
	// no iframe
}

// A checkout on Wix's own page: create a redirect session and send the
// browser there; Wix brings it back to the app's URLs.
func ExampleTo() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: "https://shop.example"})
	checkout := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs, err := redirects.To(r.Context(), wixauth.FromRequest(r),
			map[string]any{"ecomCheckout": map[string]any{"checkoutId": "c0ffee"}},
			redirects.Callbacks{PostFlowURL: "https://shop.example/", ThankYouPageURL: "https://shop.example/thanks"})
		if err != nil {
			http.Error(w, "checkout is unavailable", http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, rs.FullURL, http.StatusSeeOther)
	}))
	rec := httptest.NewRecorder()
	checkout.ServeHTTP(rec, httptest.NewRequest("POST", "/checkout", nil))
	fmt.Println(rec.Code, strings.HasPrefix(rec.Header().Get("Location"), wix.URL))
	// Output: 303 true
}
