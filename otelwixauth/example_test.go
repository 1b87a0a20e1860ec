package otelwixauth_test

import (
	"log"
	"net/http"
	"os"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/otelwixauth"
)

// Wire OpenTelemetry into wixauth: Instrument takes the Config and returns
// it with metrics and traces added, using the global providers that the
// app's OpenTelemetry setup registered.
func ExampleInstrument() {
	cfg, err := otelwixauth.Instrument(wixauth.Config{
		ClientID: os.Getenv("WIX_CLIENT_ID"),
		BaseURL:  os.Getenv("BASE_URL"),
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := wixauth.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	_ = http.ListenAndServe(":8080", auth.Middleware(mux))
}
