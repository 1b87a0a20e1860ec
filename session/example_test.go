package session_test

import (
	"fmt"
	"log"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/session"
)

// New makes the session manager wixauth needs, for an app that shares it
// with its own handlers: store keys hashed,
// sessions sealed to their own key, and over https a "__Host-" cookie that
// a sibling subdomain cannot set.
func ExampleNew() {
	keys, err := session.ParseKeys("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") // openssl rand -base64 32
	if err != nil {
		log.Fatal(err)
	}
	sm, err := session.New(session.Options{Keys: keys, BaseURL: "https://shop.example"})
	if err != nil {
		log.Fatal(err)
	}
	sm.Lifetime = 12 * time.Hour // as with any scs manager
	_, err = wixauth.New(wixauth.Config{ClientID: "your-client-id", BaseURL: "https://shop.example", Sessions: sm})
	fmt.Println(sm.Cookie.Name, sm.Cookie.Secure, err)
	// Output: __Host-wixauth_session true <nil>
}
