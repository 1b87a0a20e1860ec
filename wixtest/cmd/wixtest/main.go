// Command wixtest serves the fake Wix API of package wixtest on a fixed
// address, for clients that are not written in Go, with the fake's
// inspection endpoints under /_wixtest/inspect/ (see
// wixtest.Server.InspectHandler): the emailed codes, the request log.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wixauth/wixauth/wixtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9797", "address to listen on")
	clientID := flag.String("client-id", wixtest.DefaultClientID, "OAuth client ID the fake accepts")
	apiKey := flag.String("api-key", wixtest.DefaultAPIKey, "API key the authorized_client grant accepts")
	lifetime := flag.Duration("token-lifetime", wixtest.DefaultAccessTokenLifetime, "access token lifetime")
	autoLogin := flag.String("auto-login", "", "email of a member the hosted login page signs in at once")
	var redirectURIs []string
	flag.Func("redirect-uri", "an allowed redirect URI of the OAuth app (repeat the flag for more); auth requests with any other are refused, as on Wix", func(v string) error {
		redirectURIs = append(redirectURIs, v)
		return nil
	})
	flag.Parse()

	srv := wixtest.NewUnstartedServer(
		wixtest.WithClientID(*clientID),
		wixtest.WithAPIKey(*apiKey),
		wixtest.WithAccessTokenLifetime(*lifetime),
		wixtest.WithAutoLogin(*autoLogin),
		wixtest.WithRedirectURIs(redirectURIs...),
	)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("wixtest: %v", err)
	}
	base := "http://" + ln.Addr().String()
	srv.SetURL(base)
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	mux.Handle(wixtest.InspectPrefix, srv.InspectHandler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	fmt.Printf("wixtest: serving fake Wix API at %s (client ID %s, demo member %s / %s)\n",
		base, srv.ClientID, wixtest.DemoEmail, wixtest.DemoPassword)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		log.Fatalf("wixtest: %v", err)
	case <-ctx.Done():
	}
	srv.Close() // releases requests held by Hang or Delay faults
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Printf("wixtest: shutdown: %v", err)
	}
}
