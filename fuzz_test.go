package wixauth_test

// Fuzz targets for what comes from outside: the callback URL a browser
// brings back, and whatever the token endpoint answers. Seeds are in
// testdata/fuzz/<Name>; scripts/fuzz runs each target for FUZZTIME.

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/oauth"
)

// FuzzParseCallback: any query and fragment parse without a panic; an
// accepted callback came from one source, where none of its keys is
// repeated, and carries exactly that source's values.
func FuzzParseCallback(f *testing.F) {
	f.Add("code=c1&state=s1&wixMemberLoggedIn=true", "")
	f.Add("", "code=c2&state=s2")
	f.Add("error=access_denied&error_description=cancelled&state=s", "")
	f.Add("code=a&code=b&state=s", "")
	f.Add("state=s", "code=a&state=s&state=t")
	f.Add("code=%zz&state=s", "")
	f.Add("code=a;state=b", "")
	f.Fuzz(func(t *testing.T, query, fragment string) {
		u := &url.URL{Scheme: "https", Host: "app.example", Path: "/auth/callback", RawQuery: query, Fragment: fragment}
		cb, err := oauth.ParseCallback(u)
		if err != nil {
			if cb != (oauth.Callback{}) {
				t.Fatalf("an error with a non-empty callback: %+v", cb)
			}
			return
		}
		// The source ParseCallback must have read: the query, or the
		// fragment when the query has neither code nor error.
		src, qerr := url.ParseQuery(query)
		if qerr != nil {
			t.Fatalf("accepted a query that does not parse: %q", query)
		}
		if src.Get("code") == "" && src.Get("error") == "" && fragment != "" {
			if src, qerr = url.ParseQuery(fragment); qerr != nil {
				t.Fatalf("accepted a fragment that does not parse: %q", fragment)
			}
		}
		got := map[string]string{"code": cb.Code, "state": cb.State, "error": cb.Error, "error_description": cb.ErrorDescription}
		for k, v := range got {
			if len(src[k]) > 1 {
				t.Fatalf("accepted %q repeated in %q #%q", k, query, fragment)
			}
			if v != src.Get(k) {
				t.Fatalf("%s = %q, but the URL says %q", k, v, src.Get(k))
			}
		}
	})
}

// FuzzTokenResponse: whatever the token endpoint answers to the anonymous
// grant, the real middleware either gives the handler usable tokens (an
// access token, a refresh token, a lifetime in the future) or answers
// through the ErrorHandler, never panics and never stores unusable tokens.
func FuzzTokenResponse(f *testing.F) {
	statuses := []int{200, 200, 200, 201, 204, 400, 401, 429, 500, 502, 503}
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG.JWS.a","token_type":"Bearer","expires_in":14400,"refresh_token":"JWS.r"}`))
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG.JWS.a","expires_in":0,"refresh_token":"JWS.r"}`))
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG.JWS.a","expires_in":-1,"refresh_token":"JWS.r"}`))
	f.Add(uint8(0), []byte(`{"access_token":"","expires_in":14400,"refresh_token":"JWS.r"}`))
	f.Add(uint8(0), []byte(`{"access_token":"a","expires_in":9223372036854775807,"refresh_token":"r"}`))
	f.Add(uint8(0), []byte(`{"access_token":"a","expires_in":1e3,"refresh_token":"r"}`))
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG`))
	f.Add(uint8(0), []byte(`<html>502</html>`))
	f.Add(uint8(0), []byte(`null`))
	f.Add(uint8(7), []byte(`{"error":"rate"}`))
	// Numbers as strings, and no refresh token, which a visitor's grant
	// must carry (only member grants may answer an access token alone).
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG.JWS.a","expires_in":"14400","refresh_token":"JWS.r"}`))
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG.JWS.a","expires_in":14400}`))

	wix, status, body := fuzzTokenEndpoint(f)

	var handlerTok atomic.Pointer[wixauth.Tokens]
	var failed atomic.Bool
	a, err := wixauth.New(wixauth.Config{
		ClientID: "fuzz", APIURL: wix.URL,
		RetryBackoff: time.Nanosecond, // every iteration calls the endpoint
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			failed.Store(true)
			w.WriteHeader(http.StatusServiceUnavailable)
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := wixauth.FromRequest(r).Tokens()
		handlerTok.Store(&tok)
	}))

	f.Fuzz(func(t *testing.T, s uint8, b []byte) {
		status.Store(int64(statuses[int(s)%len(statuses)]))
		body.Store(&b)
		handlerTok.Store(nil)
		failed.Store(false)
		time.Sleep(time.Microsecond) // past the 1ns back-off of the last failure
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		tok := handlerTok.Load()
		switch {
		case failed.Load() && tok == nil:
			if rec.Header().Get("Set-Cookie") != "" {
				t.Fatal("a failed grant set a session cookie")
			}
		case !failed.Load() && tok != nil:
			if tok.AccessToken.Value == "" || tok.RefreshToken.Value == "" || tok.Role() != wixauth.RoleVisitor {
				t.Fatalf("the handler got unusable tokens %+v from %q", tok, b)
			}
			if !tok.Expiry().After(time.Now()) {
				t.Fatalf("the handler got tokens that already expired (%v) from %q", tok.Expiry(), b)
			}
		default:
			t.Fatalf("failed=%v and handler ran=%v: exactly one must happen", failed.Load(), tok != nil)
		}
	})
}

// FuzzMemberTokenResponse: whatever the token endpoint answers to a member
// grant (authorization_code, authorized_client), MemberTokens returns an
// error or a member's usable tokens: an access token with a lifetime in the
// future and a refresh token, or, as Wix may answer a sign-on and the SDK
// takes it, an access token alone (see Tokens.RefreshToken). Seeds carry both
// forms, and numbers as JSON strings.
func FuzzMemberTokenResponse(f *testing.F) {
	statuses := []int{200, 200, 200, 400, 401, 500}
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG.JWS.a","token_type":"Bearer","expires_in":14400,"refresh_token":"JWS.r"}`))
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG.JWS.a","token_type":"Bearer","expires_in":14400}`))
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG.JWS.a","expires_in":"14400","refresh_token":""}`))
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG.JWS.a","expires_in":"14400","refresh_token":"JWS.r"}`))
	f.Add(uint8(0), []byte(`{"access_token":"OauthNG.JWS.a","expires_in":"0"}`))
	f.Add(uint8(0), []byte(`{"access_token":"","expires_in":14400}`))
	f.Add(uint8(0), []byte(`{"access_token":"a","expires_in":"1e3","refresh_token":null}`))
	f.Add(uint8(3), []byte(`{"error":"invalid_grant"}`))

	wix, status, body := fuzzTokenEndpoint(f)
	a, err := wixauth.New(wixauth.Config{ClientID: "fuzz", APIURL: wix.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	grant := map[string]string{"grantType": "authorization_code", "code": "c", "codeVerifier": "v", "clientId": "fuzz"}

	f.Fuzz(func(t *testing.T, s uint8, b []byte) {
		status.Store(int64(statuses[int(s)%len(statuses)]))
		body.Store(&b)
		tok, err := a.MemberTokens(context.Background(), grant, "")
		if err != nil {
			return
		}
		if !tok.LoggedIn() || tok.AccessToken.Value == "" || !tok.Expiry().After(time.Now()) {
			t.Fatalf("MemberTokens gave unusable tokens %+v from %q", tok, b)
		}
		if tok.RefreshToken.Value == "" && tok.AccessToken.Value == "" {
			t.Fatalf("no refresh token, yet no access token either: %+v from %q", tok, b)
		}
	})
}

// fuzzTokenEndpoint is a token endpoint that answers whatever status and
// body the fuzz iteration stores.
func fuzzTokenEndpoint(f *testing.F) (*httptest.Server, *atomic.Int64, *atomic.Pointer[[]byte]) {
	var body atomic.Pointer[[]byte]
	var status atomic.Int64
	wix := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(status.Load()))
		w.Write(*body.Load())
	}))
	f.Cleanup(wix.Close)
	return wix, &status, &body
}
