package wixauth_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

// The middleware gives every request valid Wix tokens, kept on the server,
// and handlers call Wix through the Client in the request context.
func Example() {
	wix := wixtest.NewServer() // a fake Wix; drop it and APIURL in production
	defer wix.Close()

	auth, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cart", func(w http.ResponseWriter, r *http.Request) {
		item := map[string]any{"lineItems": []any{map[string]any{
			"catalogReference": map[string]any{"appId": "215238eb-22a5-4c36-9e7b-e7c08025e04e", "catalogItemId": "tee"},
			"quantity":         2,
		}}}
		var out struct {
			Cart struct {
				LineItems []struct{ Quantity int } `json:"lineItems"`
			} `json:"cart"`
		}
		if err := wixauth.FromRequest(r).Post(r.Context(), "/ecom/v1/carts/current/add-to-cart", item, &out); err != nil {
			http.Error(w, "could not add to the cart", http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "%s has %d in the cart", wixauth.FromRequest(r).Tokens().Role(), out.Cart.LineItems[0].Quantity)
	})
	app := httptest.NewServer(auth.Middleware(mux))
	defer app.Close()

	resp, err := http.Post(app.URL+"/cart", "text/plain", nil)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	fmt.Println("cookie holds a token:", strings.Contains(resp.Header.Get("Set-Cookie"), "JWS"))
	// Output:
	// visitor has 2 in the cart
	// cookie holds a token: false
}

// The package-level Middleware reads WIX_CLIENT_ID and WIX_API_URL, like
// http.Handle uses http.DefaultServeMux.
func ExampleMiddleware() {
	wix := wixtest.NewServer()
	defer wix.Close()
	os.Setenv("WIX_CLIENT_ID", wix.ClientID) // normally set in the environment
	os.Setenv("WIX_API_URL", wix.URL)

	handler := wixauth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "logged in:", wixauth.FromRequest(r).LoggedIn())
	}))
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Print(rec.Body.String())
	// Output: logged in: false
}

// Sessions in Redis let several instances of the app serve one browser.
func Example_redis() {
	st, err := stores.Open("redis://127.0.0.1:6379/0?prefix=shop:session:")
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	keys, err := session.ParseKeys(os.Getenv("SESSION_KEYS")) // sealed at rest when set
	if err != nil {
		log.Fatal(err)
	}
	// One call wires the store: the sessions, and over Redis the renewal
	// coordinator that makes the instances renew each session once.
	auth, err := wixauth.New(wixauth.Config{ClientID: os.Getenv("WIX_CLIENT_ID"), BaseURL: os.Getenv("BASE_URL"),
		Store: st.Sessions, Keys: keys})
	if err != nil {
		log.Fatal(err)
	}
	http.ListenAndServe(":8080", auth.Middleware(http.DefaultServeMux))
}

// Test your own handlers against wixtest: seed the fake, run the app, and
// check what Wix received.
func Example_testing() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL})
	app := httptest.NewServer(auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, wixauth.FromRequest(r).Tokens().Role())
	})))
	defer app.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for i := 0; i < 3; i++ {
		resp, _ := browser.Get(app.URL)
		resp.Body.Close()
	}
	fmt.Println("anonymous token calls for 3 requests:", wix.TokenCalls("anonymous"))
	// Output: anonymous token calls for 3 requests: 1
}

// An app's own login (here after its own authentication of a member) and
// logout: SignIn renews the session ID before it stores the member's
// tokens, SignOut empties the session and renews its ID.
func ExampleClient_SignIn() {
	wix := wixtest.NewServer()
	defer wix.Close()
	auth, _ := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		access, refresh := wix.IssueMemberTokens(wixtest.DemoEmail) // your exchange or external login
		err := wixauth.FromRequest(r).SignIn(r.Context(), wixauth.Tokens{
			AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: time.Now().Add(4 * time.Hour).Unix()},
			RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember},
		})
		if err != nil {
			http.Error(w, "the login could not be saved", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		u, _ := wixauth.FromRequest(r).SignOut(r.Context(), "http://localhost:8080/")
		_ = u // send the browser there (Wix's logout page), or home if ""
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, wixauth.FromRequest(r).Tokens().Role())
	})
	app := httptest.NewServer(auth.Middleware(mux))
	defer app.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	for _, step := range []struct{ method, path string }{{"GET", "/"}, {"POST", "/login"}, {"GET", "/"}, {"POST", "/logout"}, {"GET", "/"}} {
		req, _ := http.NewRequest(step.method, app.URL+step.path, nil)
		resp, _ := browser.Do(req)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(b) > 0 {
			fmt.Println(string(b))
		}
	}
	// Output:
	// visitor
	// member
	// visitor
}
