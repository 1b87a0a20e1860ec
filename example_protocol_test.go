package wixauth_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// After the app's own authentication (single sign-on, a magic link, ...),
// log the member in by email with Wix's sign-on, renew the session ID, and
// store the member's tokens. It needs the site's API key, on the server only.
func ExampleClient_GetMemberTokensForExternalLoginWithSession() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, APIKey: wix.APIKey})
	sso := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		email := "ada@example.com" // whoever the app's own check vouched for
		c := wixauth.FromRequest(r)
		tok, err := c.GetMemberTokensForExternalLoginWithSession(r.Context(), email, nil)
		if err == nil {
			err = auth.RenewSession(r.Context())
		}
		if err != nil {
			http.Error(w, "login failed", http.StatusBadGateway)
			return
		}
		c.SetTokens(tok)
		fmt.Fprint(w, c.Role())
	}))
	rec := httptest.NewRecorder()
	sso.ServeHTTP(rec, httptest.NewRequest("POST", "/sso", nil))
	_, known := wix.MemberByEmail("ada@example.com")
	fmt.Println(rec.Body.String(), known)
	// Output: member true
}

// Warm Wix's own cookie up once a week, as the SDK's syncToWixPages does:
// the page loads the URL in a hidden iframe when there is one.
func ExampleClient_SyncToWixPages() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL})
	page := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := wixauth.FromRequest(r).SyncToWixPages(r.Context(), false)
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

// Log in with an identity provider at once, skipping Wix's choice of
// providers, and read the SDK's three values.
func ExampleClient_GetAuthURL() {
	wix := wixtest.NewServer(wixtest.WithRedirectURIs("https://shop.example/auth/callback"))
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: "https://shop.example"})
	login := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := wixauth.GenerateOAuthData("https://shop.example/auth/callback", "/account") // keep it in the session
		res, err := wixauth.FromRequest(r).GetAuthURL(r.Context(), d, wixauth.AuthURLOptions{IDP: "google"})
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
