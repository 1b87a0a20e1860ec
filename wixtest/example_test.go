package wixtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wixauth/wixauth/wixtest"
)

// Start a fake, get visitor tokens with the anonymous grant, and look at the
// request log.
func Example() {
	srv := wixtest.NewServer()
	defer srv.Close()

	form := url.Values{"client_id": {srv.ClientID}, "grant_type": {"anonymous"}}
	res, err := http.PostForm(srv.URL+"/oauth2/token", form)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil {
		panic(err)
	}
	fmt.Println(res.StatusCode, tok.TokenType, tok.ExpiresIn)
	fmt.Println(strings.HasPrefix(tok.AccessToken, "OauthNG.JWS."), strings.HasPrefix(tok.RefreshToken, "JWS."))
	fmt.Println("anonymous grants:", srv.TokenCalls("anonymous"))
	// Output:
	// 200 Bearer 14400
	// true true
	// anonymous grants: 1
}
