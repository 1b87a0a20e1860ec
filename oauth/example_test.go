package oauth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/oauth"
	"github.com/wixauth/wixauth/wixtest"
)

// Log in with an identity provider at once, skipping Wix's choice of
// providers, and read the SDK's three values.
func ExampleGetAuthURL() {
	wix := wixtest.NewServer(wixtest.WithRedirectURIs("https://shop.example/auth/callback"))
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: "https://shop.example"})
	login := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := oauth.NewData("https://shop.example/auth/callback", "/account") // keep it in the session
		res, err := oauth.GetAuthURL(r.Context(), wixauth.FromRequest(r), d, oauth.AuthURLOptions{IDP: "google"})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Println(res.AuthorizationEndpoint != "", res.SessionToken != "")
		http.Redirect(w, r, res.AuthURL, http.StatusSeeOther)
	}))
	rec := httptest.NewRecorder()
	login.ServeHTTP(rec, httptest.NewRequest("GET", "/login/google", nil))
	fmt.Println(rec.Code)
	// Output:
	// true true
	// 303
}
