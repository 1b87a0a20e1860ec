package handlers_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// Mount the member handlers next to the app's pages, against a fake Wix.
// GET /auth/login sends the browser to Wix's login page; Wix sends it back
// to /auth/callback, which logs the member in and redirects to returnTo.
func Example() {
	wix := wixtest.NewServer(wixtest.WithAutoLogin(wixtest.DemoEmail))
	defer wix.Close()

	// The app's origin must be known before the Auth is made: it is the
	// base of the callback URL.
	var root http.Handler
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { root.ServeHTTP(w, r) }))
	auth, err := wixauth.New(wixauth.Config{
		ClientID: wix.ClientID,
		APIURL:   wix.URL,
		BaseURL:  "http://" + app.Listener.Addr().String(),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		panic(err)
	}
	// Wix sends members back only to the OAuth app's allowed redirect URIs.
	wix.AllowRedirectURI(auth.Config().BaseURL + "/auth/callback")
	mux := http.NewServeMux()
	handlers.Mount(mux, auth, "/auth")
	mux.HandleFunc("/account", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s", wixauth.FromRequest(r).Tokens().Role())
	})
	root = auth.Middleware(mux)
	app.Start()
	defer app.Close()

	// The first step alone: a redirect to Wix.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(app.URL + "/auth/login?returnTo=/account")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, strings.HasPrefix(resp.Header.Get("Location"), wix.URL+"/"))

	// A browser follows it all the way (the fake logs the demo member in
	// at once).
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err = browser.Get(app.URL + "/auth/login?returnTo=/account")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Request.URL.Path, string(body))
	// Output:
	// 303 true
	// /account hello, member
}

// Handlers is one http.Handler: mount it under its prefix in any router
// (here http.ServeMux; chi's r.Mount("/auth", h) and gorilla/mux's
// r.PathPrefix("/auth/").Handler(h) do the same), and keep pages for
// members behind RequireMember.
func ExampleHandlers_RequireMember() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: "https://shop.example",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	members, err := handlers.New(auth, handlers.Config{Prefix: "/auth"})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", members)
	mux.Handle("GET /account", members.RequireMember(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := members.Member(r) // fetched once per login, then kept in the session
		if err != nil {
			http.Error(w, "profile unavailable", http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "hello, %s", m.Name())
	})))
	app := auth.Middleware(mux)

	for _, accept := range []string{"text/html", "application/json"} {
		r := httptest.NewRequest(http.MethodGet, "https://shop.example/account", nil)
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		fmt.Println(accept, w.Code, w.Header().Get("Location"))
	}
	// Output:
	// text/html 303 /auth/login?returnTo=%2Faccount
	// application/json 401
}

// An API behind RequireMemberAPI answers a visitor 401 with the login URL
// as JSON, for curl and fetch() alike (both send Accept: */*), where
// RequireMember would redirect a curl to the login page.
func ExampleHandlers_RequireMemberAPI() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: "https://shop.example",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	members, err := handlers.New(auth, handlers.Config{Prefix: "/auth"})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", members)
	mux.Handle("GET /api/orders", members.RequireMemberAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"orders":[]}`)
	})))
	app := auth.Middleware(mux)

	r := httptest.NewRequest(http.MethodGet, "https://shop.example/api/orders", nil)
	r.Header.Set("Accept", "*/*")
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 401 {"error":"Log in as a member to use this.","errorCode":"notMember","login":"/auth/login?returnTo=%2Fapi%2Forders"}
}
