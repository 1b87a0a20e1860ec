package identity_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/wixtest"
)

// After the app's own authentication (single sign-on, a magic link, ...),
// log the member in by email with Wix's sign-on, renew the session ID, and
// store the member's tokens. It needs the site's API key, on the server only.
func ExampleExternalLoginWithSession() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, APIKey: wix.APIKey})
	sso := auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		email := "ada@example.com" // whoever the app's own check vouched for
		c := wixauth.FromRequest(r)
		tok, err := identity.ExternalLoginWithSession(r.Context(), c, email, nil)
		if err == nil {
			err = auth.RenewSession(r.Context())
		}
		if err != nil {
			http.Error(w, "login failed", http.StatusBadGateway)
			return
		}
		c.SetTokens(tok)
		fmt.Fprint(w, c.Tokens().Role())
	}))
	rec := httptest.NewRecorder()
	sso.ServeHTTP(rec, httptest.NewRequest("POST", "/sso", nil))
	_, known := wix.MemberByEmail("ada@example.com")
	fmt.Println(rec.Body.String(), known)
	// Output: member true
}
