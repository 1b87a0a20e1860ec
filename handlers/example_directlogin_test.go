package handlers_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// Finish email/password logins the SDK's way: the form's answer sends the
// browser to the app's /auth/direct-login page, whose script loads Wix in a
// hidden iframe and passes the code Wix posts on to /auth/callback.
func ExampleDirectLoginMode() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: "https://shop.example",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	wix.AllowRedirectURI("https://shop.example/auth/callback")
	h, err := handlers.New(auth, handlers.Config{DirectLogin: handlers.DirectLoginWebMessage})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	h.Mount(mux)

	form := url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}}
	req := httptest.NewRequest("POST", "https://shop.example/auth/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.HasPrefix(rec.Header().Get("Location"), "/auth/direct-login?state="))
	// Output: 303 true
}
